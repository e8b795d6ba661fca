// Benchmark helper: reads a sparse image's allocated regions (SEEK_DATA/SEEK_HOLE) front to back
// with 4 MiB preads into one buffer — the I/O bound for checking the image's used blocks.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) return 1;
  constexpr size_t kBuffer = 4U << 20;
  std::unique_ptr<char[]> buffer(new char[kBuffer]);
  off_t offset = 0;
  unsigned long long total = 0;
  while (true) {
    off_t start = lseek(fd, offset, SEEK_DATA);
    if (start < 0) break;
    off_t end = lseek(fd, start, SEEK_HOLE);
    while (start < end) {
      size_t want = static_cast<size_t>(end - start) < kBuffer ? end - start : kBuffer;
      ssize_t got = pread(fd, buffer.get(), want, start);
      if (got <= 0) return 1;
      start += got;
      total += static_cast<unsigned long long>(got);
    }
    offset = end;
  }
  std::printf("%llu\n", total);
  return 0;
}
