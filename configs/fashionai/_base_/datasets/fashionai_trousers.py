# MMPose metainfo of the FashionAI trousers keypoints, as MMPose writes a
# dataset's (configs/_base_/datasets/*.py). The keypoints are defined in
# fashionai_core/keypoints.py; tests/test_metainfo.py checks this file
# against them.
dataset_info = dict(
    dataset_name='fashionai_trousers',
    paper_info=dict(
        author='Zou, Xingxing and Kong, Xiangheng and Wong, Waikeung and '
        'Wang, Congde and Liu, Yuguang and Cao, Yang',
        title='FashionAI: A Hierarchical Dataset for Fashion Understanding',
        container='CVPR Workshops',
        year='2019',
        homepage='https://tianchi.aliyun.com/competition/entrance/231648'),
    keypoint_info={
        0:
        dict(
            name='waistband_left',
            id=0,
            color=[0, 200, 255],
            swap='waistband_right'),
        1:
        dict(
            name='waistband_right',
            id=1,
            color=[255, 128, 0],
            swap='waistband_left'),
        2:
        dict(name='crotch', id=2, color=[80, 220, 80], swap=''),
        3:
        dict(
            name='bottom_left_in',
            id=3,
            color=[0, 200, 255],
            swap='bottom_right_in'),
        4:
        dict(
            name='bottom_left_out',
            id=4,
            color=[0, 200, 255],
            swap='bottom_right_out'),
        5:
        dict(
            name='bottom_right_in',
            id=5,
            color=[255, 128, 0],
            swap='bottom_left_in'),
        6:
        dict(
            name='bottom_right_out',
            id=6,
            color=[255, 128, 0],
            swap='bottom_left_out')
    },
    skeleton_info={
        0:
        dict(
            link=('waistband_left', 'waistband_right'),
            id=0,
            color=[0, 200, 255]),
        1:
        dict(
            link=('waistband_left', 'bottom_left_out'),
            id=1,
            color=[0, 200, 255]),
        2:
        dict(
            link=('waistband_right', 'bottom_right_out'),
            id=2,
            color=[255, 128, 0]),
        3:
        dict(
            link=('bottom_left_out', 'bottom_left_in'),
            id=3,
            color=[0, 200, 255]),
        4:
        dict(
            link=('bottom_right_out', 'bottom_right_in'),
            id=4,
            color=[255, 128, 0]),
        5:
        dict(link=('bottom_left_in', 'crotch'), id=5, color=[0, 200, 255]),
        6:
        dict(link=('bottom_right_in', 'crotch'), id=6, color=[255, 128, 0])
    },
    joint_weights=[1.0] * 7,
    sigmas=[0.062] * 7)
