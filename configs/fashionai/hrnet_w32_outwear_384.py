_base_ = ['./hrnet_w32_outwear.py']
from fashionai_dataset.config_utils import at_input_size  # noqa: E402

(codec, model, train_dataloader, val_dataloader,
 test_dataloader) = at_input_size(_base_, 384)
