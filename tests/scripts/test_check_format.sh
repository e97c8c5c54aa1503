#!/bin/sh
# Self-test of scripts/check_format.sh (the format check scripts/test.sh
# runs): a drifting file fails the check and is named, a formatted one
# passes. Both use the repository's .clang-format.
#   test_check_format.sh SOURCE_DIR
set -u
src=$1
scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT
cp "$src/.clang-format" "$scratch/"
printf 'int  f( int x ) {return x;}\n' >"$scratch/drift.cpp"
printf 'int f(int x) {\n    return x;\n}\n' >"$scratch/clean.cpp"

fail=0
out=$("$src/scripts/check_format.sh" "$scratch/drift.cpp" "$scratch/clean.cpp" 2>&1)
rc=$?
if [ $rc = 0 ]; then echo "FAIL: a drifting file passed the check"; fail=1; fi
case "$out" in *"$scratch/drift.cpp"*) ;; *) echo "FAIL: drift.cpp not listed"; fail=1 ;; esac
case "$out" in *"$scratch/clean.cpp"*) echo "FAIL: clean.cpp listed"; fail=1 ;; esac
echo "$out"
out=$("$src/scripts/check_format.sh" "$scratch/clean.cpp" 2>&1)
rc=$?
if [ $rc != 0 ]; then echo "FAIL: a formatted file failed the check"; fail=1; fi
echo "$out"
[ $fail = 0 ] && echo "check_format.sh: ok"
exit $fail
