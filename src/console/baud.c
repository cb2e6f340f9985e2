/* Arbitrary baud rates through Linux's termios2 (BOTHER). Kept apart from
 * the other console files: <asm/termbits.h> cannot share a unit with glibc's
 * <termios.h>. */
#include <asm/termbits.h>
#include <sys/ioctl.h>

#include "console_int.h"

int jf_console__set_baud_other(int fd, unsigned baud)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t) < 0)
		return -1;
	t.c_cflag &= ~(tcflag_t)CBAUD;
	t.c_cflag |= BOTHER;
	t.c_ispeed = baud;
	t.c_ospeed = baud;
	t.c_cflag &= ~(tcflag_t)(CBAUD << IBSHIFT);
	t.c_cflag |= BOTHER << IBSHIFT;
	return ioctl(fd, TCSETS2, &t);
}

int jf_console__get_baud(int fd, unsigned *baud)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t) < 0)
		return -1;
	*baud = t.c_ospeed;
	return 0;
}
