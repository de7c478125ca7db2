# hrnet_w32_blouse.py without the training rows tools/check_labels.py
# suspects (docs/label_cleaning.md):
#   python tools/check_labels.py \
#       data/fashionai/train/Annotations/train.csv \
#       --out data/fashionai/train/suspects.csv
# Review the file first: delete the lines of rows you find correct.
_base_ = ['./hrnet_w32_blouse.py']

train_dataloader = dict(
    dataset=dict(exclude_file='data/fashionai/train/suspects.csv'))
