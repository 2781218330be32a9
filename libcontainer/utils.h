/* Small helpers shared by the whole tree: cleanup attributes, ownership
 * transfer, and file/string utilities that report errors as hk_error_t. */
#ifndef HK_UTILS_H
#define HK_UTILS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

static inline void hk_freep(void *p)
{
  free(*(void **)p);
}

static inline void hk_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

static inline void hk_fclosep(FILE **f)
{
  if (*f) {
    int saved = errno;
    fclose(*f);
    errno = saved;
  }
}

/* Free a NULL-terminated array of strings and the array itself. */
void hk_strv_free(char **v);
static inline void hk_strv_freep(char ***v)
{
  hk_strv_free(*v);
}

#define _cleanup_free_ __attribute__((cleanup(hk_freep)))
#define _cleanup_close_ __attribute__((cleanup(hk_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(hk_fclosep)))
#define _cleanup_strv_ __attribute__((cleanup(hk_strv_freep)))

/* Hand over ownership: the variable is reset so its cleanup does nothing. */
#define steal_pointer(pp)                                                                          \
  ({                                                                                               \
    __typeof__(*(pp)) _p = *(pp);                                                                  \
    *(pp) = NULL;                                                                                  \
    _p;                                                                                            \
  })
#define steal_fd(fdp)                                                                              \
  ({                                                                                               \
    int _fd = *(fdp);                                                                              \
    *(fdp) = -1;                                                                                   \
    _fd;                                                                                           \
  })

#define HK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail quietly: abort on OOM, as a runtime cannot do
 * anything sensible without memory and every caller would do the same. */
void *hk_xmalloc0(size_t n);
void *hk_xrealloc(void *p, size_t n);
char *hk_xstrdup(const char *s);
char *hk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file (at most max_size bytes) into a NUL-terminated buffer. */
int hk_read_file(const char *path, size_t max_size, char **out, size_t *len, hk_error_t **err);
int hk_read_fd(int fd, const char *name, size_t max_size, char **out, size_t *len,
               hk_error_t **err);

/* Write data to dir/name atomically: a temporary file in dir renamed over
 * name, so a reader sees the old content or the new, never a part.  No
 * fsync: what husk keeps this way (state.json and the records next to it)
 * describes processes that a crash of the machine ends anyway, and
 * fsync cost milliseconds per create on a busy disk. */
int hk_write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                         hk_error_t **err);
/* The same, but the data goes into `from`, an existing file of dirfd that
 * nobody else reads, which is then renamed to `name`: a new inode saved
 * (on ext4 without a journal, each new inode scans past the recently
 * deleted ones).  A crash in between leaves `from` with all or part of the
 * new data.  Without `from`, as hk_write_file_atomic. */
int hk_write_file_over(int dirfd, const char *from, const char *name, const char *data, size_t len,
                       mode_t mode, hk_error_t **err);

/* Write a whole buffer to a path (O_WRONLY|O_TRUNC, no create unless mode). */
int hk_write_file(const char *path, const char *data, size_t len, hk_error_t **err);

/* Write a PID to a --pid-file atomically (a temporary file renamed over
 * it), so an engine never reads a half-written number. */
int hk_write_pid_file(const char *path, pid_t pid, hk_error_t **err);

ssize_t hk_write_all(int fd, const void *buf, size_t len);

/* One read from `from` copied to `to` (dropped when to < 0): false at end
 * of file or on an error, true otherwise (also when nothing was ready). */
bool hk_pump(int from, int to);
ssize_t hk_read_all(int fd, void *buf, size_t len);

/* Remove a directory tree below dirfd/name without following symlinks. */
int hk_rmtree_at(int dirfd, const char *name, hk_error_t **err);

#endif
