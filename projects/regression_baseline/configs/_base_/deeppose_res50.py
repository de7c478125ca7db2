# DeepPose-style direct regression (MMPose's RegressionHead): ResNet-50,
# global average pooling, one linear layer to 24 x 2 coordinates in
# fractions of the input. Data, pipelines, runtime and metric are the
# heatmap configs'; only the codec and head change. Leaf configs name the
# category. CollapseDetectionHook warns if the outputs stop following the
# images (the known failure of direct regression).
_base_ = ['../../../../configs/fashionai/_base_/res50.py']
from projects.regression_baseline.regression_config import \
    as_regression  # noqa: E402

custom_imports = dict(
    imports=['fashionai_dataset', 'projects.regression_baseline'],
    allow_failed_imports=False)

(codec, model, train_dataloader, val_dataloader, test_dataloader,
 custom_hooks) = as_regression(_base_, in_channels=2048)
