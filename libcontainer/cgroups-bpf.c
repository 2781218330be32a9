/* Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program, written
 * out instruction by instruction (no libbpf, no compiler).
 *
 * The program sees struct bpf_cgroup_dev_ctx: access_type (device type in
 * the low 16 bits, BPF_DEVCG_ACC_* in the high 16), major and minor.  It
 * gives v1's semantics, where each rule edits the list left by the rules
 * before it: the rules are tried from the last to the first, and the first
 * that matches decides.  An allow rule matches when it grants every access
 * asked for; a deny rule when it refuses any of them.  When no rule
 * matches, access is allowed, as in a fresh v1 cgroup (a configuration
 * that wants a deny-by-default starts with {"allow": false}, which matches
 * everything).  A request split over two allow rules ("r" and then "w" for
 * a "rw" open) is refused: stricter than v1, never looser. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "utils.h"

#define INSN(c, d, s, o, i)                                                                   \
  ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

struct prog {
  struct bpf_insn *v;
  size_t len, cap;
};

static size_t emit(struct prog *p, struct bpf_insn i)
{
  if (p->len == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 64;
    p->v = hk_xrealloc(p->v, p->cap * sizeof(*p->v));
  }
  p->v[p->len] = i;
  return p->len++;
}

static unsigned access_bits(const char *a)
{
  unsigned m = 0;
  if (a == NULL || *a == '\0')
    a = "rwm";
  for (; *a; a++)
    m |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return m;
}

/* Registers: r2 type, r3 access, r4 major, r5 minor, r0 scratch. */
static void compile(struct prog *p, const struct hk_device_cgroup *rules, size_t n)
{
  emit(p, INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0));
  emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0));
  emit(p, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
  emit(p, INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
  emit(p, INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0));
  emit(p, INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0));
  for (size_t k = n; k-- > 0;) {
    const struct hk_device_cgroup *r = &rules[k];
    size_t jumps[4], nj = 0;
    bool all = r->type == NULL || strcmp(r->type, "a") == 0;
    unsigned acc = access_bits(r->access);

    if (!all) {
      int t = strcmp(r->type, "b") == 0 ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
      jumps[nj++] = emit(p, INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, t));
      if (r->has_major && r->major >= 0)
        jumps[nj++] =
            emit(p, INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)r->major));
      if (r->has_minor && r->minor >= 0)
        jumps[nj++] =
            emit(p, INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)r->minor));
      emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0));
      if (r->allow) {
        /* asks for something this rule does not grant: not this rule */
        emit(p, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, (int32_t)(~acc & 7)));
        jumps[nj++] = emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 0, 0));
      } else {
        /* asks for nothing this rule refuses: not this rule */
        emit(p, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, (int32_t)acc));
        jumps[nj++] = emit(p, INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0));
      }
    }
    emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0));
    emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    for (size_t j = 0; j < nj; j++)
      p->v[jumps[j]].off = (int16_t)(p->len - jumps[j] - 1);
    /* A rule for every device always decides: what comes before it (and
     * the default) can never be reached, and the verifier refuses
     * unreachable code. */
    if (all)
      return;
  }
  emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
  emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static int bpf(int cmd, union bpf_attr *attr)
{
  return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The ids of the device programs attached to the cgroup now. */
static int query(int cg, uint32_t *ids, uint32_t *n)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.query.target_fd = cg;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uintptr_t)ids;
  a.query.prog_cnt = *n;
  if (bpf(BPF_PROG_QUERY, &a) < 0)
    return -1;
  *n = a.query.prog_cnt;
  return 0;
}

int hk_cg_bpf_devices(const char *dir, const struct hk_device_cgroup *rules, size_t n,
                      hk_error_t **err)
{
  _cleanup_close_ int cg = -1, prog = -1;
  struct prog p = {0};
  char log[4096] = "";
  uint32_t old[64], nold = HK_ARRAY_SIZE(old);
  union bpf_attr a;

  if (n > 4000)
    return hk_error_plain(err, E2BIG, "%zu device rules: too many", n);
  {
    const char *rel;
    int at = hk_cg_at(dir, &rel);
    cg = openat(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (cg < 0)
    return hk_error_make(err, errno, "open cgroup `%s`", dir);
  if (query(cg, old, &nold) < 0)
    nold = 0;
  compile(&p, rules, n);
  memset(&a, 0, sizeof(a));
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uintptr_t)p.v;
  a.insn_cnt = (uint32_t)p.len;
  a.license = (uintptr_t) "Apache-2.0";
  prog = bpf(BPF_PROG_LOAD, &a);
  if (prog < 0) {
    /* Again with the verifier's log, for --debug.  (Not the first time: a
     * log that does not fit fails even a good program with ENOSPC.) */
    int e = errno;
    a.log_buf = (uintptr_t)log;
    a.log_size = sizeof(log);
    a.log_level = 1;
    if (bpf(BPF_PROG_LOAD, &a) < 0)
      hk_debug("bpf verifier: %s", log);
    free(p.v);
    return hk_error_make(err, e, "load the device program (%zu rules)", n);
  }
  free(p.v);
  memset(&a, 0, sizeof(a));
  a.target_fd = cg;
  a.attach_bpf_fd = prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &a) < 0)
    return hk_error_make(err, errno, "attach the device program to `%s`", dir);
  /* `update`: the new program is in place; the old ones go. */
  for (uint32_t i = 0; i < nold; i++) {
    int fd;
    memset(&a, 0, sizeof(a));
    a.prog_id = old[i];
    fd = bpf(BPF_PROG_GET_FD_BY_ID, &a);
    if (fd < 0)
      continue;
    memset(&a, 0, sizeof(a));
    a.target_fd = cg;
    a.attach_bpf_fd = fd;
    a.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, &a) < 0)
      hk_debug("detach device program %u from `%s`: %s", old[i], dir, strerror(errno));
    close(fd);
  }
  return 0;
}
