from .lost_points import lost_point_rates

__all__ = ['lost_point_rates']
