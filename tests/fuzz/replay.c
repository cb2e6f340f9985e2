/* Replays a fuzz harness's corpus without libFuzzer (gcc builds, make test):
 * each argument is a file or a directory of inputs, each input is passed to
 * LLVMFuzzerTestOneInput once. Fails when no input was found, so a corpus
 * that went missing is noticed. */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *grown = realloc(data, cap = cap ? cap * 2 : 4096);

			if (!grown)
				abort();
			data = grown;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	int count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **ents;
		int n;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) < 0)
				return 1;
			count++;
			continue;
		}
		if ((n = scandir(argv[i], &ents, NULL, by_name)) < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			if (ents[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], ents[j]->d_name);
				if (replay_file(path) < 0)
					return 1;
				count++;
			}
			free(ents[j]);
		}
		free(ents);
	}
	printf("replayed %d inputs\n", count);
	return count > 0 ? 0 : 1;
}
