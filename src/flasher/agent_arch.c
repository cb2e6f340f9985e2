/* Which agent a board runs: its `uname -m` mapped onto a directory of
 * agent/CMakeLists.txt's JF_AGENT_CROSS (docs/agent.md, "Architectures").
 * Pure: a string in, a string out. */
#include "agent.h"

#include <string.h>

const char *jf_flasher__agent_arch(const char *machine)
{
	/* armv8l: a 32-bit process (or kernel) on a 64-bit ARMv8 core, which
	 * runs armhf binaries; armv6l and older have no agent (armhf needs
	 * ARMv7's VFPv3-D16 and Thumb-2), so they keep their name and find none. */
	if (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"))
		return "aarch64";
	if (!strncmp(machine, "armv7", 5) || !strcmp(machine, "armv8l"))
		return "armhf";
	return machine;
}
