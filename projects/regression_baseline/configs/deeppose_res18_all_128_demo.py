# The demo recipe (configs/fashionai/res18_all_128_demo.py: half-width
# ResNet-18, 128 x 128, all categories, minutes-long schedule) with the
# DeepPose regression head in place of the heatmap head: the CPU
# comparison in this project's README.
_base_ = ['../../../configs/fashionai/res18_all_128_demo.py']
from projects.regression_baseline.regression_config import \
    as_regression  # noqa: E402

custom_imports = dict(
    imports=['fashionai_dataset', 'projects.regression_baseline'],
    allow_failed_imports=False)

(codec, model, train_dataloader, val_dataloader, test_dataloader,
 custom_hooks) = as_regression(_base_, in_channels=256)
