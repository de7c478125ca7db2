# MMPose metainfo of the FashionAI dress keypoints, as MMPose writes a
# dataset's (configs/_base_/datasets/*.py). The keypoints are defined in
# fashionai_core/keypoints.py; tests/test_metainfo.py checks this file
# against them.
dataset_info = dict(
    dataset_name='fashionai_dress',
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
            name='neckline_left',
            id=0,
            color=[0, 200, 255],
            swap='neckline_right'),
        1:
        dict(
            name='neckline_right',
            id=1,
            color=[255, 128, 0],
            swap='neckline_left'),
        2:
        dict(name='center_front', id=2, color=[80, 220, 80], swap=''),
        3:
        dict(
            name='shoulder_left',
            id=3,
            color=[0, 200, 255],
            swap='shoulder_right'),
        4:
        dict(
            name='shoulder_right',
            id=4,
            color=[255, 128, 0],
            swap='shoulder_left'),
        5:
        dict(
            name='armpit_left', id=5, color=[0, 200, 255],
            swap='armpit_right'),
        6:
        dict(
            name='armpit_right', id=6, color=[255, 128, 0],
            swap='armpit_left'),
        7:
        dict(
            name='waistline_left',
            id=7,
            color=[0, 200, 255],
            swap='waistline_right'),
        8:
        dict(
            name='waistline_right',
            id=8,
            color=[255, 128, 0],
            swap='waistline_left'),
        9:
        dict(
            name='cuff_left_in',
            id=9,
            color=[0, 200, 255],
            swap='cuff_right_in'),
        10:
        dict(
            name='cuff_left_out',
            id=10,
            color=[0, 200, 255],
            swap='cuff_right_out'),
        11:
        dict(
            name='cuff_right_in',
            id=11,
            color=[255, 128, 0],
            swap='cuff_left_in'),
        12:
        dict(
            name='cuff_right_out',
            id=12,
            color=[255, 128, 0],
            swap='cuff_left_out'),
        13:
        dict(
            name='hemline_left',
            id=13,
            color=[0, 200, 255],
            swap='hemline_right'),
        14:
        dict(
            name='hemline_right',
            id=14,
            color=[255, 128, 0],
            swap='hemline_left')
    },
    skeleton_info={
        0:
        dict(
            link=('neckline_left', 'neckline_right'),
            id=0,
            color=[0, 200, 255]),
        1:
        dict(
            link=('neckline_left', 'center_front'), id=1, color=[0, 200, 255]),
        2:
        dict(
            link=('neckline_right', 'center_front'), id=2, color=[255, 128,
                                                                  0]),
        3:
        dict(
            link=('neckline_left', 'shoulder_left'), id=3, color=[0, 200,
                                                                  255]),
        4:
        dict(
            link=('neckline_right', 'shoulder_right'),
            id=4,
            color=[255, 128, 0]),
        5:
        dict(
            link=('shoulder_left', 'cuff_left_out'), id=5, color=[0, 200,
                                                                  255]),
        6:
        dict(
            link=('cuff_left_out', 'cuff_left_in'), id=6, color=[0, 200, 255]),
        7:
        dict(link=('cuff_left_in', 'armpit_left'), id=7, color=[0, 200, 255]),
        8:
        dict(
            link=('shoulder_right', 'cuff_right_out'),
            id=8,
            color=[255, 128, 0]),
        9:
        dict(
            link=('cuff_right_out', 'cuff_right_in'),
            id=9,
            color=[255, 128, 0]),
        10:
        dict(
            link=('cuff_right_in', 'armpit_right'), id=10, color=[255, 128,
                                                                  0]),
        11:
        dict(
            link=('armpit_left', 'waistline_left'), id=11, color=[0, 200,
                                                                  255]),
        12:
        dict(
            link=('armpit_right', 'waistline_right'),
            id=12,
            color=[255, 128, 0]),
        13:
        dict(
            link=('waistline_left', 'hemline_left'),
            id=13,
            color=[0, 200, 255]),
        14:
        dict(
            link=('waistline_right', 'hemline_right'),
            id=14,
            color=[255, 128, 0]),
        15:
        dict(
            link=('hemline_left', 'hemline_right'), id=15, color=[0, 200, 255])
    },
    joint_weights=[1.0] * 15,
    sigmas=[0.062] * 15)
