"""MMPose dataset metainfo generated from :mod:`fashionai_core.keypoints`.

MMPose describes a dataset's keypoints with a metainfo dict (names, flip
swaps, skeleton, joint weights, OKS sigmas). The FashionAI one is built here
in code for each category instead of being written out by hand per category
or loaded through a working-directory-relative ``from_file`` path.
"""
from typing import Dict, List

from fashionai_core.keypoints import (CATEGORY_KEYPOINTS, SKELETON,
                                      check_category, mirror_name, side_color)

#: OKS sigma given to every point. FashionAI defines none (its metric is NE);
#: MMPose requires the field, and COCO's wrist/ankle value is a fair stand-in.
DEFAULT_SIGMA = 0.062

PAPER_INFO = dict(
    author='Zou, Xingxing and Kong, Xiangheng and Wong, Waikeung and '
    'Wang, Congde and Liu, Yuguang and Cao, Yang',
    title='FashionAI: A Hierarchical Dataset for Fashion Understanding',
    container='CVPR Workshops',
    year='2019',
    homepage='https://tianchi.aliyun.com/competition/entrance/231648',
)


def fashionai_metainfo(category: str) -> Dict:
    """Build the MMPose metainfo dict for one category or ``'all'``.

    Args:
        category: A FashionAI category, or ``'all'`` for the 24-point layout.

    Returns:
        dict: In the format of MMPose's ``configs/_base_/datasets/*.py``
        (``dataset_name``, ``keypoint_info`` with ``swap``, ``skeleton_info``,
        ``joint_weights``, ``sigmas``), with keypoint ids local to the
        category, in CSV order.
    """
    check_category(category)
    names = CATEGORY_KEYPOINTS[category]
    keypoint_info = {}
    for local_id, name in enumerate(names):
        twin = mirror_name(name)
        keypoint_info[local_id] = dict(
            name=name,
            id=local_id,
            color=list(side_color(name)),
            type='',
            swap=twin if twin != name else '')
    skeleton_info = {}
    for start, end in SKELETON:
        if start in names and end in names:
            link_id = len(skeleton_info)
            skeleton_info[link_id] = dict(
                link=[start, end], id=link_id, color=list(side_color(start)))
    return dict(
        dataset_name=f'fashionai_{category}',
        paper_info=PAPER_INFO,
        keypoint_info=keypoint_info,
        skeleton_info=skeleton_info,
        joint_weights=[1.0] * len(names),
        sigmas=[DEFAULT_SIGMA] * len(names))


def keypoint_names(parsed_metainfo: Dict) -> List[str]:
    """Each model output's keypoint name, from a dataset's (or model's)
    parsed metainfo (``keypoint_id2name``), e.g. ``dataset.metainfo``."""
    names = parsed_metainfo['keypoint_id2name']
    return [names[i] for i in range(len(names))]
