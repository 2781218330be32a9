/* The state directory <root>/<id>/: claiming an ID, locking, reading and
 * writing state.json atomically, and telling the container's true status
 * from the process it recorded. */
#ifndef HK_STATE_H
#define HK_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-specs/spec.h"

#define HK_STATE_FILE "state.json"
#define HK_EXEC_FIFO "exec.fifo"

struct hk_container {
  char *root;
  char *id;
  int dirfd; /* <root>/<id>, flock'ed by its holder */
  struct hk_state *state;
};

int hk_id_validate(const char *id, hk_error_t **err);

/* Claim <root>/<id> for a new container: created atomically and locked
 * exclusively; "already exists" if it is there. */
int hk_container_claim(const char *root, const char *id, struct hk_container **out,
                       hk_error_t **err);

enum hk_lock { HK_LOCK_SHARED, HK_LOCK_EXCLUSIVE };

/* Open and lock an existing container and read its state; the status is
 * refreshed from the process.  "does not exist" when there is no such ID. */
int hk_container_load(const char *root, const char *id, enum hk_lock lock,
                      struct hk_container **out, hk_error_t **err);

/* Write state.json.  `from`: a file of the state directory to write it
 * into and rename (see hk_write_file_over), or NULL. */
int hk_container_save(struct hk_container *c, const char *from, hk_error_t **err);

/* Remove the state directory. */
int hk_container_destroy_dir(struct hk_container *c, hk_error_t **err);

void hk_container_free(struct hk_container *c);
static inline void hk_container_freep(struct hk_container **c)
{
  hk_container_free(*c);
}
#define _cleanup_container_ __attribute__((cleanup(hk_container_freep)))

/* Re-derive s->status: stopped when the recorded process is gone (or its PID
 * now belongs to another process), created while it still holds the exec
 * fifo (waiting for start), running otherwise. */
void hk_state_refresh(struct hk_state *s, int dirfd);

/* Start time (clock ticks since boot, /proc/PID/stat field 22) and state
 * letter of a process; -1 if it does not exist. */
int hk_proc_start_time(pid_t pid, uint64_t *start_time, char *state);

/* List the containers under root (skipping entries that are not). */
int hk_container_list(const char *root, struct hk_state ***out, size_t *n, hk_error_t **err);
void hk_state_list_free(struct hk_state **l, size_t n);

#endif
