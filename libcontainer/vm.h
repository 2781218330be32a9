/* The micro-VM handler: the same bundle run inside a QEMU microvm guest.
 *
 * Pieces: vm.c chooses the handler and prepares what the VM needs (QEMU,
 * virtiofsd, the guest kernel and initramfs, KVM or TCG); vm-shim.c is the
 * host process that stands for the container (its PID is the container's
 * PID in state.json): it runs virtiofsd and QEMU, relays stdio, forwards
 * signals and exits with the container's status; vm-guest.c is PID 1 in the
 * guest, which runs the same husk binary to create the container there.
 *
 * The shim and the guest talk over the virtio-console port "husk.ctl" in
 * messages "WORD LEN\n" followed by LEN bytes of payload:
 *   host -> guest: id, bundle, rootfs, config (config.json), share
 *                  ("virtiofs" or "9p"), terminal ("0"/"1"), file ("PATH\0
 *                  MODE\0CONTENT", a bind mount's source file), dir
 *                  ("TAG\0PATH", a source directory shared over 9p),
 *                  then go;
 *                  later winsize ("ROWS COLS", with a terminal), start,
 *                  and signal ("N") for each forwarded signal
 *   guest -> host: created, or error (a message); then exit ("N", the exit
 *                  code) or killed ("N", the signal) once the process ends
 * stdout and stderr travel on the ports husk.stdout and husk.stderr, stdin
 * on husk.stdin, a terminal on husk.tty. */
#ifndef HK_VM_H
#define HK_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <poll.h>
#include <sys/types.h>

#include "error.h"
#include "oci-specs/spec.h"

#define HK_VM_ANNOTATION  "run.oci.handler"
#define HK_VM_PIDS_FILE   "vm.pids"
#define HK_VM_PAUSED_FILE "vm.paused"
#define HK_VM_MSG_MAX     (4 * 1024 * 1024)
/* The shim holds exec.fifo (O_PATH) at this descriptor number until start,
 * which is how `state` tells "created" (state.json's initFifoFd). */
#define HK_VM_SHIM_FIFO_FD 100

/* 1: every container is a VM (the binary was invoked as husk-vm); -1: none
 * is (husk-vm-guest, the husk that the guest init runs). */
void hk_vm_set_mode(int mode);

/* This container runs in a VM: run.oci.handler=vm, or the default.  Another
 * run.oci.handler value is an error naming the annotation. */
int hk_vm_selected(const struct hk_spec *spec, const char *config_path, bool *vm, hk_error_t **err);

/* Whether the VM handler can run here; *why says why not (the missing
 * package) when it returns false; *accel says "kvm" or "tcg" when known. */
bool hk_vm_available(char **why);

/* What create hands the shim. */
struct hk_vm_launch {
  const char *id, *bundle, *rootfs, *config_path;
  const struct hk_spec *spec;
  int dirfd;                  /* the state directory (not inherited) */
  const char *console_socket; /* process.terminal: where the pty master goes */
  int console_fd;             /* or an already connected socket (run's relay), else -1 */
};

/* Boot the guest and create the container there; returns the shim's PID
 * (our child), which waits for exec.fifo to be opened like init does. */
pid_t hk_vm_spawn(const struct hk_vm_launch *v, hk_error_t **err);

/* After the shim is gone: kill and reap whatever QEMU or virtiofsd it left
 * (recorded in vm.pids).  No-op for other containers. */
void hk_vm_cleanup(int dirfd);

/* Record in annotations (a container's, saved in state.json) that it runs
 * in a VM: run.oci.handler=vm, also when the binary's name chose it. */
void hk_vm_mark(struct hk_kv_list *annotations);

/* A VM container, by its state (annotations); for a state.json written
 * before the handler was recorded there, by its vm.pids. */
bool hk_vm_is(const struct hk_state *s, int dirfd);

/* pause/resume through QMP stop/cont. */
int hk_vm_freeze(int dirfd, const char *id, bool pause, hk_error_t **err);

/* The separate executable husk-vm-shim (src/vm-shim.c), which keeps the
 * cold VM code out of husk: PID 1 of the guest (the initramfs's
 * /husk-vm-init, a link to it), and the shim that hk_vm_spawn execs. */
int hk_vm_guest_main(void);
int hk_vm_shim_main(int argc, char **argv);

/* The control channel's messages (see the top of this file). */
int hk_vm_msg_send(int fd, const char *word, const void *data, size_t len);
/* Reads one message; *data is NUL-terminated and malloc'ed.  0 at EOF. */
int hk_vm_msg_recv(int fd, char word[16], char **data, size_t *len);

/* A byte relay in one direction (vm-relay.c), driven by a poll loop:
 * never blocks, never drops bytes on EAGAIN, keeps reading (and discards)
 * once its destination is gone. */
struct hk_vm_relay {
  int from, to;
  bool eof;  /* the source ended (or failed) */
  bool dead; /* the destination failed: input is discarded */
  bool sock; /* to is a socket: written with MSG_DONTWAIT */
  size_t chunk, off, len;
  int ip, op; /* this round's entries in the poll set, or -1 */
  char buf[32768];
};
void hk_vm_relay_init(struct hk_vm_relay *r, int from, int to);
/* Add what the relay waits for to p (POLLIN on from only when may_read,
 * it has room and no EOF yet; POLLOUT on to only with bytes to write). */
void hk_vm_relay_poll(struct hk_vm_relay *r, struct pollfd *p, int *n, bool may_read);
/* After poll: move bytes.  True when the source was readable. */
bool hk_vm_relay_run(struct hk_vm_relay *r, const struct pollfd *p);
/* The source ended and everything was written (or cannot be). */
bool hk_vm_relay_done(const struct hk_vm_relay *r);
/* What the source holds now goes out; waits up to ms (-1: no limit) for
 * the destination each time it is full. */
void hk_vm_relay_flush(struct hk_vm_relay *r, int ms);

/* A descriptor sent with SCM_RIGHTS, or -1. */
int hk_vm_recv_fd(int sock);

/* Internals shared by vm.c, vm-host.c and vm-shim.c. */
/* Close every descriptor from lowfd up (in a child, before exec). */
/* p is (or holds, or lies inside) a path the guest keeps for itself (its
 * /proc, /run/husk, ...); *what says which. */
bool hk_vm_guest_clash(const char *p, const char **what);
void hk_vm_close_from(int lowfd);
char *hk_vm_find_exe(const char *name);
const char *hk_vm_env_or(const char *name, const char *def);
char *hk_vm_find_qemu(hk_error_t **err);
struct hk_vm_host {
  char *husk_exe;         /* a path to husk's binary, for the guest */
  char *qemu, *virtiofsd; /* virtiofsd NULL: 9p */
  char *kernel, *initrd;
  bool kvm;
  char **argv; /* QEMU's, built by hk_vm_qemu_argv */
  /* Bind mounts' sources, which the guest must see at the same paths:
   * directories are shared over 9p (tags b0, b1...), files copied. */
  char **bind_dirs, **bind_files;
  bool *bind_dirs_ro; /* shared read-only: the mount asks for `ro` */
  size_t n_dirs, n_files;
  int mem_mib, cpus;
};
int hk_vm_host_prepare(struct hk_vm_host *h, const struct hk_spec *spec, const char *bundle,
                       const char *rootfs, hk_error_t **err);
void hk_vm_host_clear(struct hk_vm_host *h);
/* QEMU's argv; fds are the chardev sockets (ctl, stdout, stderr, stdin,
 * tty or -1). */
char **hk_vm_qemu_argv(const struct hk_vm_host *h, const char *rootfs, const int fds[5]);

#endif
