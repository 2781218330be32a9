/* Protection of the husk binary itself (CVE-2019-5736).
 *
 * A process that husk puts in a container starts as a copy of husk, and a
 * container process that reaches /proc/PID/exe of such a process (or makes
 * husk run again inside the container through a "#!/proc/self/exe" script)
 * could reopen the host's husk binary for writing and replace it.  So the
 * commands that spawn or join a container first re-execute husk from a
 * sealed memfd copy of itself: /proc/PID/exe then names an anonymous,
 * write-sealed file that belongs to no file system of the host. */
#ifndef HK_SELFEXE_H
#define HK_SELFEXE_H

#include "error.h"

/* Set in the environment of the re-executed husk, removed again at once;
 * only a guard against re-executing in a loop. */
#define HK_SELFEXE_ENV "_HUSK_SEALED_EXE"

/* When /proc/self/exe is already a sealed copy, return 0 (and drop
 * HK_SELFEXE_ENV from the environment).  Otherwise copy the binary into a
 * sealed memfd and execute it with the same argv and environment: on
 * success this does not return. */
int hk_selfexe_ensure_sealed(char **argv, hk_error_t **err);

#endif
