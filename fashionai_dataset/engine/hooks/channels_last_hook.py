"""Run the model in the channels_last memory format."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D weights to ``torch.channels_last`` once.

    Convolutions then run in NHWC, which tensor cores (and oneDNN on CPUs
    with AMX) prefer, especially under bf16 autocast; inputs need no
    conversion, as the first convolution's output already follows the
    weights' format. State dicts are saved and loaded as usual.
    """
    priority = 'HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.to(memory_format=torch.channels_last)
