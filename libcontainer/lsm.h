/* Linux security modules: process.apparmorProfile, process.selinuxLabel
 * and linux.mountLabel.  A label is applied when the host has that LSM
 * enabled; asking for one the host does not have is an error (engines rely
 * on that), found before anything is created. */
#ifndef HK_LSM_H
#define HK_LSM_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

/* Whether the running kernel has the LSM enabled (not merely built in). */
bool hk_lsm_apparmor_enabled(void);
bool hk_lsm_selinux_enabled(void);

/* Check the labels of a process (and the mount label, may be NULL) against
 * the host; the message names the JSON path. */
int hk_lsm_check(const struct hk_process *p, const char *mount_label, hk_error_t **err);

/* Just before execve: make the next execve enter the process's AppArmor
 * profile or SELinux label.  procfd is an O_PATH descriptor of a procfs
 * that husk opened itself (never the container's /proc, which the image
 * could fake). */
int hk_lsm_set_exec_label(int procfd, const struct hk_process *p, hk_error_t **err);

/* Before the container's session keyring is made: give it the process's
 * SELinux label (AppArmor does not label keys). */
int hk_lsm_set_keyring_label(int procfd, const struct hk_process *p, hk_error_t **err);

/* The mount option that gives a mount of the container linux.mountLabel:
 * context="LABEL" when SELinux is enabled and the file system takes a
 * context (not proc, sysfs, cgroup or a bind mount, which keeps its
 * source's labels); NULL otherwise.  malloc'd. */
char *hk_lsm_mount_option(const struct hk_mount *m, const char *mount_label);

/* After mounting m: the file systems that refuse context= (mqueue) get
 * linux.mountLabel on their root directory instead, as runc does. */
int hk_lsm_label_mount_root(int rootfd, const struct hk_mount *m, const char *mount_label,
                            hk_error_t **err);

#endif
