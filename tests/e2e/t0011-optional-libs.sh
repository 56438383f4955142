#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0011: optional libraries (libpq, libcurl, libgit2, libarchive, libcrypto) are loaded
# with dlopen by the commands that use them (include/ferry/base/dlib.h), not linked:
# ferry's start maps only what every command needs. A library that cannot be loaded is
# a clear error naming it and its Debian package; it is made unloadable for one command
# by bind-mounting /dev/null over its file in a private mount namespace (root), or
# replaced by a stand-in that lacks its functions (LD_LIBRARY_PATH).
. "$(dirname "$0")/lib.sh"

OPTIONAL='libpq\.so|libcurl|libgit2|libarchive|libcrypto'
# The file the dynamic loader opens for a SONAME (through ld.so.cache).
lib_file() { readlink -f "$(ldconfig -p | awk -v s="$1" '$1 == s { print $NF; exit }')"; }
# without SONAME command...: the command with that library's file unreadable as one.
without() {
  local f; f=$(lib_file "$1"); shift
  [ -f "$f" ] || { echo "no file for the library"; return 1; }
  unshare --mount --propagation private sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
    sh "$f" "$@"
}
# Every test below uses a SQLite home of its own, on both passes of tests/run.sh.
lite() { env -u FERRY_STORE "$FERRY" --home "$SCRATCH/lite" "$@"; }
# loaded command...: the optional libraries the command's process loaded (LD_DEBUG).
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n -E '/calling init: .*('"$OPTIONAL"')/p'; }

test_expect_success 'the setup: root can make a private mount namespace' '
  [ "$(id -u)" = 0 ] && unshare --mount --propagation private true && lite init'
test_expect_success 'ferry links none of libpq, libcurl, libgit2, libarchive, libcrypto' '
  out=$(ldd "$FERRY") && ! grep -E "$OPTIONAL" <<<"$out" &&
  out=$(ldd "$FERRYD") && ! grep -E "$OPTIONAL" <<<"$out"'
test_expect_success 'ferry --version and env list --json load none of them' '
  lite project create contoso >/dev/null &&
  lite env create dev --project contoso --role development --app 7.3 --platform PU12 >/dev/null &&
  equals "$(loaded lite --version)" "" && equals "$(loaded lite env list --json)" "" &&
  lite env list --json | jq -e "length == 1"'
test_expect_success 'package verify loads libarchive and libcrypto, nothing else' '
  pkg=$FERRY_BUILD/examples/pkgs/contoso-foundation.zip &&
  out=$(LD_DEBUG=files lite package verify "$pkg" 2>&1 >/dev/null) &&
  contains "$out" "calling init: .*libarchive.so.13" && contains "$out" "calling init: .*libcrypto.so.3" &&
  ! grep -E "calling init: .*(libpq|libcurl|libgit2)" <<<"$out"'
test_expect_success 'without libpq: a PostgreSQL store says which library and package' '
  out=$(without libpq.so.5 env -u FERRY_STORE "$FERRY" --home "$SCRATCH/pg" --store "postgresql:///nothing?host=/nonexistent" init 2>&1); rc=$?;
  [ $rc -ne 0 ] && contains "$out" "cannot load libpq.so.5" && contains "$out" "PostgreSQL client library" &&
  contains "$out" "install the Debian package libpq5"'
test_expect_success 'without libpq: a SQLite home works as before' '
  out=$(without libpq.so.5 env -u FERRY_STORE "$FERRY" --home "$SCRATCH/lite" env list --json) &&
  jq -e "length == 1" <<<"$out"'
test_expect_success 'without libcurl: --server says which library and package' '
  out=$(without libcurl.so.4 "$FERRY" --server http://127.0.0.1:9 project list 2>&1); rc=$?;
  [ $rc -ne 0 ] && contains "$out" "cannot load libcurl.so.4" && contains "$out" "libcurl4"'
test_expect_success 'without libgit2: hotfix apply says which library and package, changes nothing' '
  mkdir -p src && echo keep >src/a.txt && before=$(find src -type f | sort | xargs cat | sha256sum) &&
  out=$(without libgit2.so.1.5 env -u FERRY_STORE "$FERRY" --home "$SCRATCH/lite" hotfix apply src "$SCRATCH/none.zip" 2>&1); rc=$?;
  [ $rc -ne 0 ] && contains "$out" "cannot load libgit2.so.1.5" && contains "$out" "libgit2-1.5" &&
  equals "$(find src -type f | sort | xargs cat | sha256sum)" "$before"'
test_expect_success 'without libarchive: package verify says which library and package' '
  out=$(without libarchive.so.13 env -u FERRY_STORE "$FERRY" --home "$SCRATCH/lite" package verify "$FERRY_BUILD/examples/pkgs/contoso-foundation.zip" 2>&1); rc=$?;
  [ $rc -ne 0 ] && contains "$out" "cannot load libarchive.so.13" && contains "$out" "libarchive13"'
test_expect_success 'without libcrypto: SHA-256 falls back to libsodium, the same digests' '
  pkg=$FERRY_BUILD/examples/pkgs/contoso-foundation.zip &&
  with=$(lite package verify "$pkg") &&
  out=$(without libcrypto.so.3 env -u FERRY_STORE "$FERRY" --home "$SCRATCH/lite" package verify "$pkg") &&
  equals "$out" "$with" && contains "$out" "sha256 *$(sha256sum "$pkg" | cut -c1-64)"'
test_expect_success 'a libgit2 without its functions: the missing symbol is named' '
  mkdir -p fake && printf "int git_libgit2_init(void) { return 1; }\n" >fake/git.c &&
  cc -shared -fPIC -Wl,-soname,libgit2.so.1.5 -o fake/libgit2.so.1.5 fake/git.c &&
  out=$(LD_LIBRARY_PATH=$SCRATCH/fake lite hotfix apply src "$SCRATCH/none.zip" 2>&1); rc=$?;
  [ $rc -ne 0 ] && contains "$out" "cannot load libgit2.so.1.5" && contains "$out" "symbol git_.* not found" &&
  contains "$out" "libgit2-1.5"'
test_done
