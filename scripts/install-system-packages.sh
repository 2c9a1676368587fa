#!/usr/bin/env bash
# Installs the system programs the kit's real parts need, where they are missing:
#   bwrap (Debian package bubblewrap): the sandbox `tpm-grade grade` runs learners' kernels in.
#   chromium (Debian package chromium): the headless browser tests/browser/test_browser.py drives with Playwright.
#   postgres (Debian package postgresql): the server tests/grading/test_grade_postgres.py grades into.
# Uses apt-get as root, or `sudo -n` when that works without a password. Elsewhere it says what to
# install and carries on: tests that need a missing program skip, except under CI=true, where they fail.
set -u
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Not installed: ${need[*]}. Install them with your system's package manager (the grading sandbox needs Linux; the browser test needs Chromium)."
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "Not installed: ${need[*]}. Run: sudo apt-get install -y ${need[*]}"
  exit 0
fi
echo "Installing system packages: ${need[*]} ..."
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
  || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "${need[@]}" >/dev/null; } \
  || echo "Could not install ${need[*]}: install them by hand (sudo apt-get install -y ${need[*]})."
exit 0
