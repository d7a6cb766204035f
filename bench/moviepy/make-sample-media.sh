#!/usr/bin/env bash
# The media sample-composition.json refers to: seven espeak-ng sentences and a product image,
# under var/bench/moviepy-sample/ (run from the repository root).
#
#   bash bench/moviepy/make-sample-media.sh
set -euo pipefail
dir=var/bench/moviepy-sample
mkdir -p "$dir"
sentences=(
  "Your phone dies at three in the afternoon, every single day?"
  "The Voltix PowerCore Slim packs ten thousand milliamp hours into a wallet sized shell."
  "It charges two devices at once, with twenty watt fast charging over USB C."
  "Over twelve thousand reviewers give it four point six stars."
  "Right now it sells for just twenty nine ninety nine."
  "Tap the link in the description to check today's price."
  "As an Amazon Associate we earn from qualifying purchases."
)
for i in "${!sentences[@]}"; do
  espeak-ng -v en-us -s 165 -w "$dir/s$((i + 1)).wav" "${sentences[$i]}"
done
ffmpeg -v error -y -f lavfi -i mandelbrot=s=1000x1000 -frames:v 1 "$dir/product.png"
echo "wrote $dir: s1.wav … s${#sentences[@]}.wav, product.png"
