/* Paths inside the container's root, treated as hostile: every lookup is
 * resolved as if rootfd were "/", so neither ".." nor a symlink (absolute or
 * relative) can lead outside it. */
#ifndef HK_PATH_H
#define HK_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

enum hk_path_create {
  HK_PATH_NO_CREATE,
  HK_PATH_CREATE_DIR,  /* create missing components, the last one a directory */
  HK_PATH_CREATE_FILE, /* create missing parents, the last one an empty file */
};

/* Open `path` below rootfd with O_PATH, resolving in root.  Missing
 * components are created (mode 0755 directories, 0644 file) when asked. */
int hk_path_open_in_root(int rootfd, const char *path, enum hk_path_create create,
                         hk_error_t **err);

/* Pure lexical cleanup of an absolute path: collapse "//", ".", and ".."
 * (never above "/").  Returns a malloc'd string. */
char *hk_path_clean(const char *path);

/* Force the fallback resolver (no openat2), for tests. */
void hk_path_force_fallback(bool on);

#endif
