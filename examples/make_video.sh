#!/bin/sh
# Rebuilds examples/talking_head.mp4 (640x360, 25 fps, H.264 + AAC, ~17 s): a still portrait that
# drifts slowly across the frame while espeak-ng speaks four sentences; for the last sentence the
# face has left the frame, so the face modality drops out there (the output says so).
#
# Material we may redistribute: examples/astronaut.jpg is NASA's portrait of astronaut Eileen
# Collins (public domain, as a NASA work), taken unchanged from scikit-image's bundled sample
# `skimage/data/astronaut.png` (re-encoded as JPEG). The speech is synthetic (espeak-ng): the clip
# shows the pipeline end to end, not a real person's affect. A still photo has one expression
# (smiling) throughout, so face and voice/text disagree on purpose in two sentences.
#
# Usage: sh examples/make_video.sh [OUT.mp4] [WIDTHxHEIGHT] [REPEAT]
#   REPEAT > 1 loops the 17 s clip (the 10-minute benchmark clip: bench/analyze_speed.py).
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/talking_head.mp4}
size=${2:-640x360}
repeat=${3:-1}
w=${size%x*}; h=${size#*x}
face=$((h * 5 / 6))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -p 60 -s 165 -w "$tmp/1.wav" "Thanks for having me. It is really good to be back home."
espeak-ng -p 35 -s 190 -w "$tmp/2.wav" "The launch was delayed twice, and honestly, that made me furious."
espeak-ng -p 25 -s 135 -w "$tmp/3.wav" "I miss the crew already. It feels strangely empty here."
espeak-ng -p 80 -s 180 -w "$tmp/4.wav" "But tomorrow we start training for the next flight!"
ffmpeg -loglevel error -y -i "$tmp/1.wav" -i "$tmp/2.wav" -i "$tmp/3.wav" -i "$tmp/4.wav" -filter_complex \
  "aevalsrc=0:d=0.7:s=22050[g1];aevalsrc=0:d=0.7:s=22050[g2];aevalsrc=0:d=1.2:s=22050[g3];[0:a][g1][1:a][g2][2:a][g3][3:a]concat=n=7:v=0:a=1,aresample=16000" \
  -ac 1 "$tmp/speech.wav"
# the face leaves the frame 1.0 s before the last sentence starts
d4=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/4.wav")
total=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/speech.wav")
gone=$(awk "BEGIN{print $total - $d4 - 0.2}")
ffmpeg -loglevel error -y -f lavfi -i "color=c=0x2b3a4a:s=${w}x${h}:r=25:d=$total" -loop 1 -framerate 25 -t "$total" \
  -i "$here/astronaut.jpg" -i "$tmp/speech.wav" -filter_complex \
  "[1:v]scale=$face:$face[f];[0:v][f]overlay=x='($w-$face)/2+($w/12)*sin(t/3)':y='($h-$face)/2':enable='lt(t,$gone)'[v]" \
  -map "[v]" -map 2:a -c:v libx264 -preset veryfast -crf 28 -pix_fmt yuv420p -c:a aac -b:a 48k -shortest "$tmp/clip.mp4"
if [ "$repeat" -gt 1 ]; then
  ffmpeg -loglevel error -y -stream_loop $((repeat - 1)) -i "$tmp/clip.mp4" -c copy "$tmp/long.mp4"
  mv "$tmp/long.mp4" "$tmp/clip.mp4"
fi
mv "$tmp/clip.mp4" "$out"
