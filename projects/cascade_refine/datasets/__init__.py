from .transforms import CascadeCropJitter, KeepOriginalImage, crop_box

__all__ = ['CascadeCropJitter', 'KeepOriginalImage', 'crop_box']
