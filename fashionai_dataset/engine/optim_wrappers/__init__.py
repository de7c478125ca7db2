from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .mixed_precision_optim_wrapper import build_mixed_precision_optim_wrapper

__all__ = ['CPUAutocastOptimWrapper', 'build_mixed_precision_optim_wrapper']
