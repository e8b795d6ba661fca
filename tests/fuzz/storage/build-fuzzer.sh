#!/usr/bin/env bash
# Builds the storage image fuzzer with clang++-14 -fsanitize=fuzzer,address (the project's own
# sources instrumented; libext2fs and OpenSSL from Debian).
# Usage: build-fuzzer.sh SOURCE_DIR OUTPUT_BINARY
set -euo pipefail
src=$1
out=$2
storage=$src/src/monitor-guest/storage
mkdir -p "$(dirname "$out")"
clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src/src/virdomm" -I"$src/src/monitor-guest" -I/usr/include/ext2fs -I/usr/include/et \
  "$src/tests/fuzz/storage/image_reader_fuzzer.cpp" \
  "$storage"/{block_overlay,content_hasher,digest,ext_journal,ext_source,file_record,image_file,journal_replay,partition_table,positional_read,progress,ro_io_manager,rules,storage_scan,tree_source}.cpp \
  "$src/src/virdomm/common/unique_handle.cpp" \
  -lext2fs -lcom_err -lcrypto -lpthread -o "$out"
