#!/usr/bin/env bash
# Builds a storage fuzzer with clang++-14 -fsanitize=fuzzer,address (the project's own sources
# instrumented; libext2fs and OpenSSL from Debian): image_reader (default), the whole image path,
# journal, the JBD2 parser alone, or btrfs, the whole image path over compact btrfs images.
# Usage: build-fuzzer.sh SOURCE_DIR OUTPUT_BINARY [image_reader|journal|btrfs]
set -euo pipefail
src=$1
out=$2
target=${3:-image_reader}
storage=$src/src/monitor-guest/storage
mkdir -p "$(dirname "$out")"
if [ "$target" = journal ]; then
  exec clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$src/src/monitor-guest" -I/usr/include/ext2fs \
    "$src/tests/fuzz/storage/journal_fuzzer.cpp" "$storage/journal_replay.cpp" \
    -lext2fs -lcom_err -o "$out"
fi
clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src/src/virdomm" -I"$src/src/monitor-guest" -I/usr/include/ext2fs -I/usr/include/et \
  "$src/tests/fuzz/storage/${target}_fuzzer.cpp" \
  "$storage"/{block_overlay,btrfs_checksum,btrfs_chunk_map,btrfs_decompress,btrfs_items,btrfs_source,btrfs_superblock,btrfs_tree,content_hasher,digest,ext_journal,ext_source,file_record,image_file,journal_replay,partition_table,positional_read,progress,ro_io_manager,rules,storage_scan,tree_source}.cpp \
  "$src/src/virdomm/common/unique_handle.cpp" \
  -lext2fs -lcom_err -lcrypto -lz -llzo2 -lzstd -lpthread -o "$out"
