#!/bin/sh
# Rebuilds examples/talk.flac: three sentences of espeak-ng speech (pitch 50, 30, 75) with 0.8 s
# pauses, 16 kHz mono FLAC. Synthetic speech: it shows the pipeline, not a real person's affect.
set -e
tmp=$(mktemp -d)
espeak-ng -p 50 -w "$tmp/a.wav" "Thanks for coming in, how have the last few weeks been?"
espeak-ng -p 30 -w "$tmp/b.wav" "Honestly, pretty rough. I lost the job I had for six years."
espeak-ng -p 75 -w "$tmp/c.wav" "Wait, really? That is wonderful news!"
ffmpeg -loglevel error -y -i "$tmp/a.wav" -i "$tmp/b.wav" -i "$tmp/c.wav" -filter_complex \
  "aevalsrc=0:d=0.8:s=22050[g1];aevalsrc=0:d=0.8:s=22050[g2];[0:a][g1][1:a][g2][2:a]concat=n=5:v=0:a=1,aresample=16000" \
  -ac 1 "$(dirname "$0")/talk.flac"
rm -r "$tmp"
