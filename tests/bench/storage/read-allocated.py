#!/usr/bin/env python3
"""Sequential read of a sparse image's allocated regions (SEEK_DATA/SEEK_HOLE) in 4 MiB reads
into one reused buffer: the I/O bound for checking the image (its used blocks, in order)."""
import os
import sys

fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
buf = bytearray(4 << 20)
view = memoryview(buf)
offset = 0
total = 0
while offset < size:
    try:
        start = os.lseek(fd, offset, os.SEEK_DATA)
    except OSError:
        break  # no data after offset
    end = os.lseek(fd, start, os.SEEK_HOLE)
    os.lseek(fd, start, os.SEEK_SET)
    while start < end:
        got = os.readv(fd, [view[: min(len(buf), end - start)]])
        if got <= 0:
            break
        start += got
        total += got
    offset = end
print(total)
