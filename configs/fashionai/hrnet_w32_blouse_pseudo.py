# hrnet_w32_blouse.py trained on its labelled rows plus pseudo-labels
_base_ = ['./hrnet_w32_blouse.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='PseudoLabelConcatDataset',
        # labelled rows repeated to half of each epoch: unrepeated, five
        # times as many pseudo-labels crowd them out (+1.2 NE measured,
        # docs/pseudo_labels.md)
        pseudo_labelled_share=0.5,
        labelled=_base_.train_dataloader.dataset,
        pseudo_labelled=dict(
            _base_.pseudo_labelled_dataset,
            category=_base_.category,
            pipeline=_base_.train_pipeline)))
