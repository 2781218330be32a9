/* pagecgroup PID CGROUPDIR: how many pages mapped by PID are charged to the
 * memory cgroup CGROUPDIR (via /proc/PID/pagemap and /proc/kpagecgroup;
 * needs root).  For footprint.bats. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  char path[64], line[512];
  struct stat st;
  unsigned long a, b, count = 0;
  int pm, kc;
  FILE *maps;

  if (argc != 3 || stat(argv[2], &st) < 0)
    return fprintf(stderr, "usage: pagecgroup PID CGROUPDIR\n"), 2;
  snprintf(path, sizeof path, "/proc/%s/pagemap", argv[1]);
  pm = open(path, O_RDONLY);
  kc = open("/proc/kpagecgroup", O_RDONLY);
  snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
  maps = fopen(path, "r");
  if (pm < 0 || kc < 0 || !maps)
    return perror("open"), 2;
  while (fgets(line, sizeof line, maps)) {
    if (sscanf(line, "%lx-%lx", &a, &b) != 2)
      continue;
    for (unsigned long va = a; va < b; va += 4096) {
      uint64_t e, ino, pfn;
      if (pread(pm, &e, 8, (off_t) (va / 4096 * 8)) != 8)
        break;
      pfn = e & ((1ULL << 55) - 1);
      if (!(e >> 63) || pfn == 0)
        continue;
      if (pread(kc, &ino, 8, (off_t) (pfn * 8)) == 8 && ino == st.st_ino)
        count++;
    }
  }
  printf("%lu\n", count);
  return 0;
}
