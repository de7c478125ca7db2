#!/usr/bin/env bash
# The scene table of projects/garment_detector/README.md, end to end:
# detections on every split, the lost-point rates, the keypoint models
# (whole image; true-box and detector-box training; the larger padding and
# the score threshold that lose fewer points; the cascade's stage 2) under the
# accuracy-table protocol (seed 0, 5 epochs, step decay in the last two),
# and NE on the test split for each way of predicting.
#
# Usage (from the repository root, after `make_synthetic.py --scenes` and
# `mim train mmdet .../rtmdet_tiny_garment_scenes_192.py`):
#   bash projects/garment_detector/tools/measure_scenes.sh DET_CHECKPOINT \
#       [WORK_DIR] [STAGE]
# (about 35 minutes on 2 CPU cores)
# STAGE: all (default), detect, train or evaluate (each needs the ones
# before it to have run).
set -euo pipefail
DET_CKPT=$1
WORK=${2:-work_dirs/scenes}
STAGE=${3:-all}
PY=${PYTHON:-.venv/bin/python}
MIM=${MIM:-.venv/bin/mim}
DATA=data/fashionai_scenes
PROJECT=projects/garment_detector
DET_CONFIG=$PROJECT/configs/rtmdet_tiny_garment_scenes_192.py
PROTOCOL=(train_cfg.max_epochs=5 train_cfg.val_interval=5
          param_scheduler.1.end=5 'param_scheduler.1.milestones=[3,4]'
          randomness.seed=0)
mkdir -p "$WORK"

if [[ $STAGE == all || $STAGE == detect ]]; then
  for split in train:Annotations/train.csv val:Annotations/val.csv \
               test:Annotations/test_answers.csv; do
    name=${split%%:*}
    start=$SECONDS
    $PY tools/detect.py "$DET_CONFIG" "$DET_CKPT" "$DATA/$name/${split#*:}" \
      "$DATA/$name" "$DATA/$name/detections.json" --batch-size 8
    echo "detect $name: $((SECONDS - start)) s"
  done
  for split in val test; do
    csv=$DATA/$split/Annotations/$([[ $split == val ]] && echo val.csv \
      || echo test_answers.csv)
    $PY $PROJECT/tools/lost_points.py "$csv" "$DATA/$split" \
      --bbox-file "$DATA/$split/detections.json" \
      --plot "$WORK/lost_points_$split.png"
  done
fi

train() {  # config work_dir [extra cfg-options]
  local config=$1 dir=$2
  shift 2
  start=$SECONDS
  $MIM train mmpose "$config" --work-dir "$WORK/$dir" \
    --cfg-options "${PROTOCOL[@]}" "$@" > "$WORK/$dir.log" 2>&1
  echo "train $dir: $((SECONDS - start)) s"
}

# The lost-point setting (padding 1.5, boxes scoring under 0.4 not
# trusted: the whole image instead), and the larger padding alone.
PADDING_15=(train_dataloader.dataset.pipeline.1.padding=1.5
            val_dataloader.dataset.pipeline.1.padding=1.5
            test_dataloader.dataset.pipeline.1.padding=1.5)
SCORE_04=(val_dataloader.dataset.bbox_score_thr=0.4
          test_dataloader.dataset.bbox_score_thr=0.4)

if [[ $STAGE == all || $STAGE == train ]]; then
  train $PROJECT/configs/res18_all_128_scenes.py whole
  # stage 2's config holds this value (measured by the run it reports)
  $PY projects/cascade_refine/tools/measure_stage1_error.py \
    "$WORK/whole/epoch_5.pth" | tee "$WORK/stage1_error.txt"
  train $PROJECT/configs/res18_all_128_scenes_true_boxes.py true_boxes
  train $PROJECT/configs/res18_all_128_scenes_detector_boxes.py \
    detector_boxes
  train $PROJECT/configs/res18_all_128_scenes_true_boxes.py \
    true_boxes_padding_15 "${PADDING_15[@]}"
  train $PROJECT/configs/res18_all_128_scenes_true_boxes.py \
    true_boxes_lost_points "${PADDING_15[@]}" "${SCORE_04[@]}"
  train $PROJECT/configs/res18_all_128_scenes_detector_boxes.py \
    detector_boxes_lost_points "${PADDING_15[@]}" "${SCORE_04[@]}" \
    train_dataloader.dataset.bbox_score_thr=0.4
  train $PROJECT/configs/stage2_res18_all_128_scenes.py stage2
  $PY projects/cascade_refine/tools/merge_stage_checkpoints.py \
    "$WORK/whole/epoch_5.pth" "$WORK/stage2/epoch_5.pth" \
    "$WORK/cascade.pth"
  $PY projects/cascade_refine/tools/merge_stage_checkpoints.py \
    "$WORK/detector_boxes/epoch_5.pth" "$WORK/stage2/epoch_5.pth" \
    "$WORK/detector_cascade.pth"
  # stage 2 jittered by the detector-box model's own error instead
  $PY projects/cascade_refine/tools/measure_stage1_error.py \
    "$WORK/detector_boxes/epoch_5.pth" | tee "$WORK/detector_error.txt"
  train $PROJECT/configs/stage2_res18_all_128_scenes.py stage2_detector \
    "train_dataloader.dataset.pipeline.1.stage1_error=$(
      sed -n 's/.*stage1_error = //p' "$WORK/detector_error.txt")"
  $PY projects/cascade_refine/tools/merge_stage_checkpoints.py \
    "$WORK/detector_boxes/epoch_5.pth" "$WORK/stage2_detector/epoch_5.pth" \
    "$WORK/detector_cascade_own_error.pth"
fi

predict() {  # name model [predict.py options]
  local name=$1 model=$2
  shift 2
  $PY tools/predict.py "$DATA/test/test.csv" "$DATA/test" \
    "$WORK/$name.csv" --model "all=$model" "$@" 2>&1 | grep -a 'boxes from' \
    || true
  $PY tools/evaluate.py "$DATA/test/Annotations/test_answers.csv" \
    "$WORK/$name.csv" --json "$WORK/$name.json" | grep -a '^NE' \
    | sed "s/^/$name: /"
}

if [[ $STAGE == all || $STAGE == evaluate ]]; then
  DETECTIONS=(--bbox-file "$DATA/test/detections.json")
  predict whole "$WORK/whole/epoch_5.pth"
  # each checkpoint keeps its config: padding and score threshold included
  for name in true_boxes detector_boxes true_boxes_padding_15 \
              true_boxes_lost_points detector_boxes_lost_points; do
    predict $name "$WORK/$name/epoch_5.pth" "${DETECTIONS[@]}"
  done
  predict cascade "$WORK/cascade.pth" \
    --config "all=$PROJECT/configs/cascade_res18_all_128_scenes.py"
  for name in detector_cascade detector_cascade_own_error; do
    predict $name "$WORK/$name.pth" \
      --config "all=$PROJECT/configs/cascade_res18_all_128_scenes_detector.py" \
      "${DETECTIONS[@]}"
  done
fi
