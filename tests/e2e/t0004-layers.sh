#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0004: scripts/check-layers.sh holds on the tree, and fails on fixtures that break
# the layering: a call cycle, an upward include, an upward call, a face using an
# internal header.
. "$(dirname "$0")/lib.sh"
CHECK="$FERRY_SRC/scripts/check-layers.sh"

# fixture NAME: a small tree with lib/base and lib/store, built into NAME/build.
fixture() {
  local d="$SCRATCH/$1"
  mkdir -p "$d/lib/base" "$d/lib/store" "$d/include/ferry/base" "$d/include/ferry/store" "$d/cli" "$d/scripts"
  printf 'int base_fn(void);\n' > "$d/include/ferry/base/b.h"
  printf 'int store_fn(void);\n' > "$d/include/ferry/store/s.h"
  printf '#include "ferry/base/b.h"\nint base_fn(void) { return 1; }\n' > "$d/lib/base/b.c"
  printf '#include "ferry/base/b.h"\n#include "ferry/store/s.h"\nint store_fn(void) { return base_fn(); }\n' > "$d/lib/store/s.c"
  printf '#include "ferry/store/s.h"\nint main(void) { return store_fn(); }\n' > "$d/cli/main.c"
  echo "$d"
}
build_fixture() {
  local d=$1 f
  for f in $(cd "$d" && find lib cli -name '*.c'); do
    mkdir -p "$d/build/$(dirname "$f")"
    cc -I"$d/include" -I"$d/lib" -c "$d/$f" -o "$d/build/${f%.c}.o" || return 1
  done
}

test_expect_success 'the tree itself passes (objects of this build)' '
  out=$(bash "$CHECK" "$FERRY_BUILD" 2>&1) && contains "$out" "check-layers: ok"'
test_expect_success 'a clean fixture passes' '
  d=$(fixture clean) && build_fixture "$d" && bash "$CHECK" --root "$d" "$d/build"'
test_expect_code 1 'a call cycle between two files fails and names both' '
  d=$(fixture cycle) &&
  printf "int b2(void);\nint b1(void) { return b2(); }\n" > "$d/lib/base/b1.c" &&
  printf "int b1(void);\nint b2(void) { return b1(); }\n" > "$d/lib/base/b2.c" &&
  build_fixture "$d" && out=$(bash "$CHECK" --root "$d" "$d/build" 2>&1); rc=$?;
  echo "$out"; contains "$out" "lib/base/b1.c" && contains "$out" "lib/base/b2.c" &&
  contains "$out" "call each other" && exit $rc'
test_expect_code 1 'a lower folder including a higher one fails' '
  d=$(fixture incl) &&
  printf "#include \"ferry/store/s.h\"\nint base_fn(void) { return 1; }\n" > "$d/lib/base/b.c" &&
  build_fixture "$d" && out=$(bash "$CHECK" --root "$d" "$d/build" 2>&1); rc=$?;
  echo "$out"; contains "$out" "lib/base/b.c includes \"ferry/store/s.h\"" && exit $rc'
test_expect_code 1 'a lower folder calling a higher one fails (and the folder cycle it makes)' '
  d=$(fixture call) &&
  printf "int store_fn(void);\nint base_fn(void) { return 0; }\nint base_up(void) { return store_fn(); }\n" > "$d/lib/base/b.c" &&
  build_fixture "$d" && out=$(bash "$CHECK" --root "$d" "$d/build" 2>&1); rc=$?;
  echo "$out"; contains "$out" "layer .base. must not use the higher layer .store." &&
  contains "$out" "call each other" && exit $rc'
test_expect_code 1 'a face including an internal header fails' '
  d=$(fixture face) && printf "int x;\n" > "$d/lib/store/s_int.h" &&
  printf "#include \"store/s_int.h\"\n#include \"ferry/store/s.h\"\nint main(void) { return store_fn(); }\n" > "$d/cli/main.c" &&
  build_fixture "$d" && out=$(bash "$CHECK" --root "$d" "$d/build" 2>&1); rc=$?;
  echo "$out"; contains "$out" "internal header" && exit $rc'
test_expect_code 1 'a folder that is not a layer fails' '
  d=$(fixture extra) && mkdir -p "$d/lib/misc" && printf "int m(void) { return 0; }\n" > "$d/lib/misc/m.c" &&
  build_fixture "$d" && out=$(bash "$CHECK" --root "$d" "$d/build" 2>&1); rc=$?;
  echo "$out"; contains "$out" "not a layer" && exit $rc'
test_done
