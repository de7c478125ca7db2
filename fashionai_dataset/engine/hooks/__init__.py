from .channels_last_hook import ChannelsLastHook
from .fp32_head_output_hook import Float32HeadOutputHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'ChannelsLastHook', 'Float32HeadOutputHook', 'WeightsOnlyCheckpointHook'
]
