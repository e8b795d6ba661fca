#!/usr/bin/env bash
# Builds a storage fuzzer (tests/fuzz/build-fuzz-binary.sh: the project's own sources
# instrumented; libext2fs and OpenSSL from Debian): image_reader (default), the whole image path;
# volume, the same path over zero-padded inputs (XFS, LVM2); btrfs, the same path over compact
# btrfs images; journal, the JBD2 parser alone; or lvm_metadata, the LVM2 text parser and
# segment mapping alone.
# Usage: build-fuzzer.sh SOURCE_DIR OUTPUT_BINARY [image_reader|volume|btrfs|journal|lvm_metadata]
set -euo pipefail
src=$1
out=$2
target=${3:-image_reader}
storage=$src/src/monitor-guest/storage
build=$src/tests/fuzz/build-fuzz-binary.sh
mkdir -p "$(dirname "$out")"
if [ "$target" = journal ]; then
  exec "$build" "$out" "$src/tests/fuzz/storage/journal_fuzzer.cpp" "$storage/journal_replay.cpp" \
    -- -I"$src/src/monitor-guest" -I/usr/include/ext2fs -- -lext2fs -lcom_err
fi
if [ "$target" = lvm_metadata ]; then
  exec "$build" "$out" "$src/tests/fuzz/storage/lvm_metadata_fuzzer.cpp" \
    "$storage"/{lvm_metadata,lvm_text,volume_map}.cpp \
    -- -I"$src/src/virdomm" -I"$src/src/monitor-guest"
fi
exec "$build" "$out" "$src/tests/fuzz/storage/${target}_fuzzer.cpp" \
  "$storage"/{block_overlay,content_hasher,multi_digest,ext_journal,ext_source,file_record,image_file,journal_replay,partition_table,positional_read,progress,ro_io_manager,rules,source_volume,storage_scan,tree_source,volume_choice,volume_map}.cpp \
  "$storage"/{lvm_metadata,lvm_text,xfs_bmap,xfs_directory,xfs_inode,xfs_log,xfs_remote,xfs_source,xfs_volume,xfs_xattr}.cpp \
  "$storage"/{btrfs_checksum,btrfs_chunk_map,btrfs_decompress,btrfs_items,btrfs_source,btrfs_superblock,btrfs_tree}.cpp \
  "$src/src/monitor-guest/core/digest.cpp" "$src/src/virdomm/common/hex.cpp" \
  "$src/src/virdomm/common/unique_handle.cpp" \
  -- -I"$src/src/virdomm" -I"$src/src/monitor-guest" -I/usr/include/ext2fs -I/usr/include/et \
  -- -lext2fs -lcom_err -lcrypto -lz -llzo2 -lzstd -lpthread
