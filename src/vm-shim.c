/* husk-vm-shim: the micro-VM handler's cold code, out of the husk binary
 * (libcontainer/vm.h).  husk execs it as the shim of a VM container; in the
 * guest's initramfs it is /husk-vm-init, PID 1. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "libcontainer/vm.h"

int main(int argc, char **argv)
{
  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

  if (strcmp(name, "husk-vm-init") == 0 && getpid() == 1)
    return hk_vm_guest_main();
  return hk_vm_shim_main(argc, argv);
}
