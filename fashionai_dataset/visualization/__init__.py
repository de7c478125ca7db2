from .draw import contact_sheet, draw_keypoints

__all__ = ['contact_sheet', 'draw_keypoints']
