from .subpixel_simcc_label import SubpixelSimCCLabel, refine_simcc_parabola

__all__ = ['SubpixelSimCCLabel', 'refine_simcc_parabola']
