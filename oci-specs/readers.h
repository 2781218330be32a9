/* Internal to oci-specs/: the section readers shared between the files that
 * read config.json, process.json and `update --resources` documents.  Each
 * reader fills a zeroed struct in place; on error the matching clear
 * function releases whatever was filled in. */
#ifndef HK_OCI_READERS_H
#define HK_OCI_READERS_H

#include "oci-specs/json.h"
#include "oci-specs/spec.h"

int hk_spec_read_process(struct hk_jctx *c, hk_jval obj, struct hk_process *p);
void hk_spec_clear_process(struct hk_process *p);

int hk_spec_read_linux(struct hk_jctx *c, hk_jval obj, struct hk_linux *l);
void hk_spec_clear_linux(struct hk_linux *l);

int hk_spec_read_resources(struct hk_jctx *c, hk_jval obj, struct hk_resources *r);
void hk_spec_clear_resources(struct hk_resources *r);

int hk_spec_read_seccomp(struct hk_jctx *c, hk_jval obj, struct hk_seccomp *s);
void hk_spec_clear_seccomp(struct hk_seccomp *s);

/* {containerID, hostID, size}, for linux.uidMappings and mounts[].uidMappings. */
int hk_spec_read_id_mapping(struct hk_jctx *c, hk_jval v, void *elem);

#endif
