/* The smallest program that embeds libjmpflash: parse an exporter YAML and
 * print its flasher's bundle. Built by tests/package/install.sh against the
 * installed headers with `pkg-config --cflags --libs jmpflash`. */
#include <stdio.h>

#include <jmpflash/config.h>

int main(int argc, char **argv)
{
	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	const jf_driver *flasher;

	if (argc != 2 || jf_exporter_load(&e, argv[1], NULL, &err) < 0) {
		fprintf(stderr, "print_bundle: %s\n",
		        argc != 2 ? "usage: print_bundle FILE" : err.msg);
		return 1;
	}
	flasher = jf_exporter_first_flasher(&e);
	printf("%s\n", flasher ? jf_driver_str(flasher, "flasher_bundle") : "(no flasher)");
	jf_exporter_dispose(&e);
	return flasher ? 0 : 1;
}
