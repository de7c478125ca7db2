# MMPose metainfo of the FashionAI skirt keypoints, as MMPose writes a
# dataset's (configs/_base_/datasets/*.py). The keypoints are defined in
# fashionai_core/keypoints.py; tests/test_metainfo.py checks this file
# against them.
dataset_info = dict(
    dataset_name='fashionai_skirt',
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
        dict(
            name='hemline_left',
            id=2,
            color=[0, 200, 255],
            swap='hemline_right'),
        3:
        dict(
            name='hemline_right',
            id=3,
            color=[255, 128, 0],
            swap='hemline_left')
    },
    skeleton_info={
        0:
        dict(
            link=('hemline_left', 'hemline_right'), id=0, color=[0, 200, 255]),
        1:
        dict(
            link=('waistband_left', 'waistband_right'),
            id=1,
            color=[0, 200, 255]),
        2:
        dict(
            link=('waistband_left', 'hemline_left'), id=2, color=[0, 200,
                                                                  255]),
        3:
        dict(
            link=('waistband_right', 'hemline_right'),
            id=3,
            color=[255, 128, 0])
    },
    joint_weights=[1.0] * 4,
    sigmas=[0.062] * 4)
