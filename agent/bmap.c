/* bmaptool's block map (XML, versions 1.x and 2.x) parsed with expat, and
 * the digests its ranges carry (libcrypto EVP: sha256, and sha1 for 1.x).
 *
 *   <bmap version="2.0"> <ImageSize> <BlockSize> <BlocksCount>
 *   <MappedBlocksCount> <ChecksumType>sha256 <BmapFileChecksum>HEX
 *   <BlockMap> <Range chksum="HEX"> 0-1 </Range> <Range ...> 9 </Range>
 *
 * 1.0-1.3 carry sha1="HEX" on ranges (optional before 1.2) and
 * <BmapFileSHA1>; 1.4 introduced ChecksumType/chksum. */
#include <expat.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

struct jf_agent_digest {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
};

int jf_agent_digest_new(jf_agent_digest **out, const char *type, jf_err *err)
{
	jf_agent_digest *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	d->md = !strcmp(type, "sha256") ? EVP_sha256() : !strcmp(type, "sha1") ? EVP_sha1() : NULL;
	if (!d->md) {
		free(d);
		return jf_err_set(err, JF_EINVAL, "bmap checksum type '%.20s' is not supported",
		                  type);
	}
	if (!(d->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(d->ctx, d->md, NULL) != 1) {
		jf_agent_digest_free(d);
		return jf_err_set(err, JF_ENOMEM, "cannot start a %s digest", type);
	}
	*out = d;
	return 0;
}

int jf_agent_digest_update(jf_agent_digest *d, const void *p, size_t len)
{
	return EVP_DigestUpdate(d->ctx, p, len) == 1 ? 0 : JF_EIO;
}

int jf_agent_digest_final(jf_agent_digest *d, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || EVP_DigestInit_ex(d->ctx, d->md, NULL) != 1)
		return JF_EIO;
	for (unsigned int i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * n] = '\0';
	return 0;
}

void jf_agent_digest_free(jf_agent_digest *d)
{
	if (d)
		EVP_MD_CTX_free(d->ctx);
	free(d);
}

typedef struct parse_state {
	jf_agent_bmap *b;
	jf_err *err;
	int error;
	int depth;
	char text[256];
	size_t tlen;
	bool in_range;
	size_t cap;
	XML_Parser p;
} parse_state;

static void fail(parse_state *s, XML_Parser p, const char *what)
{
	if (!s->error)
		s->error = jf_err_set(s->err, JF_EINVAL, "bmap: %s", what);
	XML_StopParser(p, XML_FALSE);
}

static void on_start(void *user, const XML_Char *name, const XML_Char **attrs)
{
	parse_state *s = user;
	XML_Parser p = s->p;

	s->tlen = 0;
	s->depth++;
	if (s->depth > 8) {
		fail(s, p, "nested too deep");
		return;
	}
	if (s->depth == 1) {
		if (strcmp(name, "bmap")) {
			fail(s, p, "the root element is not <bmap>");
			return;
		}
		for (int i = 0; attrs[i]; i += 2)
			if (!strcmp(attrs[i], "version") &&
			    sscanf(attrs[i + 1], "%u.%u", &s->b->major, &s->b->minor) != 2) {
				fail(s, p, "bad version attribute");
				return;
			}
		if (s->b->major < 1 || s->b->major > 2) {
			fail(s, p, "only versions 1.x and 2.x are supported");
			return;
		}
		return;
	}
	if (!strcmp(name, "Range")) {
		jf_agent_range *r;

		if (s->b->nranges == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			jf_agent_range *n = realloc(s->b->ranges, cap * sizeof(*n));

			if (!n) {
				fail(s, p, "out of memory");
				return;
			}
			s->b->ranges = n;
			s->cap = cap;
		}
		r = &s->b->ranges[s->b->nranges];
		memset(r, 0, sizeof(*r));
		for (int i = 0; attrs[i]; i += 2)
			if (!strcmp(attrs[i], "chksum") || !strcmp(attrs[i], "sha1")) {
				if (strlen(attrs[i + 1]) >= sizeof(r->chksum) ||
				    strspn(attrs[i + 1], "0123456789abcdef") !=
				        strlen(attrs[i + 1])) {
					fail(s, p, "bad range checksum");
					return;
				}
				strcpy(r->chksum, attrs[i + 1]);
				if (!strcmp(attrs[i], "sha1") && !s->b->checksum_type[0])
					strcpy(s->b->checksum_type, "sha1");
			}
		s->in_range = true;
	}
}

static void on_text(void *user, const XML_Char *t, int len)
{
	parse_state *s = user;

	if (len > 0 && s->tlen + (size_t)len < sizeof(s->text)) {
		memcpy(s->text + s->tlen, t, (size_t)len);
		s->tlen += (size_t)len;
	}
}

static int number(const char *t, uint64_t *out)
{
	char *end;

	while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
		t++;
	if (*t < '0' || *t > '9')
		return -1;
	*out = strtoull(t, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	return *end ? -1 : 0;
}

static int word(char *dst, size_t cap, const char *t)
{
	size_t n;

	t += strspn(t, " \t\r\n");
	n = strcspn(t, " \t\r\n");
	if (!n || n >= cap || t[n + strspn(t + n, " \t\r\n")])
		return -1;
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

static int range_text(jf_agent_range *r, const char *t)
{
	char a[32], *dash, *end;

	if (word(a, sizeof(a), t) < 0 || a[0] < '0' || a[0] > '9')
		return -1;
	r->first = strtoull(a, &end, 10);
	if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
		dash = end;
		r->last = strtoull(dash + 1, &end, 10);
	} else {
		r->last = r->first;
	}
	return *end || r->last < r->first ? -1 : 0;
}

static void on_end(void *user, const XML_Char *name)
{
	parse_state *s = user;
	XML_Parser p = s->p;
	jf_agent_bmap *b = s->b;
	int bad = 0;

	s->text[s->tlen] = '\0';
	s->depth--;
	if (!strcmp(name, "Range") && s->in_range) {
		s->in_range = false;
		if (range_text(&b->ranges[b->nranges], s->text) < 0) {
			fail(s, p, "bad <Range>");
			return;
		}
		b->nranges++;
	} else if (!strcmp(name, "ImageSize"))
		bad = number(s->text, &b->image_size);
	else if (!strcmp(name, "BlockSize"))
		bad = number(s->text, &b->block_size);
	else if (!strcmp(name, "BlocksCount"))
		bad = number(s->text, &b->blocks_count);
	else if (!strcmp(name, "MappedBlocksCount"))
		bad = number(s->text, &b->mapped_blocks);
	else if (!strcmp(name, "ChecksumType"))
		bad = word(b->checksum_type, sizeof(b->checksum_type), s->text);
	else if (!strcmp(name, "BmapFileChecksum") || !strcmp(name, "BmapFileSHA1"))
		bad = word(b->file_checksum, sizeof(b->file_checksum), s->text);
	if (bad)
		fail(s, p, "a malformed number or word");
	s->tlen = 0;
}

/* The ranges must be in order, disjoint and inside the image. */
static int check(const jf_agent_bmap *b, jf_err *err)
{
	uint64_t blocks;

	if (!b->block_size || b->block_size % 512 || b->block_size > (64u << 20) || !b->image_size)
		return jf_err_set(err, JF_EINVAL, "bmap: bad BlockSize or ImageSize");
	blocks = (b->image_size + b->block_size - 1) / b->block_size;
	if (b->blocks_count && b->blocks_count != blocks)
		return jf_err_set(err, JF_EINVAL, "bmap: BlocksCount %llu does not match ImageSize",
		                  (unsigned long long)b->blocks_count);
	if (!b->checksum_type[0])
		strcpy(((jf_agent_bmap *)b)->checksum_type, "sha1");
	for (size_t i = 0; i < b->nranges; i++)
		if (b->ranges[i].last >= blocks ||
		    (i && b->ranges[i].first <= b->ranges[i - 1].last))
			return jf_err_set(err, JF_EINVAL,
			                  "bmap: range %llu-%llu is out of order or "
			                  "outside the image",
			                  (unsigned long long)b->ranges[i].first,
			                  (unsigned long long)b->ranges[i].last);
	if (b->mapped_blocks && b->mapped_blocks * b->block_size < jf_agent_bmap_mapped_bytes(b) &&
	    b->mapped_blocks * b->block_size + b->block_size < jf_agent_bmap_mapped_bytes(b))
		return jf_err_set(err, JF_EINVAL,
		                  "bmap: MappedBlocksCount disagrees with the ranges");
	return 0;
}

/* bmaptool: the file's checksum is taken with its own value replaced by
 * zeros. */
static int check_file(const jf_agent_bmap *b, const char *xml, size_t len, jf_err *err)
{
	char *copy, *at, got[129];
	jf_agent_digest *d = NULL;
	int error;

	if (!b->file_checksum[0])
		return 0;
	if (!(copy = malloc(len + 1)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	memcpy(copy, xml, len);
	copy[len] = '\0';
	if (!(at = strstr(copy, b->file_checksum))) {
		free(copy);
		return jf_err_set(err, JF_EINVAL, "bmap: its own checksum is not in it");
	}
	memset(at, '0', strlen(b->file_checksum));
	if ((error = jf_agent_digest_new(&d, strlen(b->file_checksum) == 40 ? "sha1" : "sha256",
	                                 err)) == 0 &&
	    (error = jf_agent_digest_update(d, copy, len)) == 0 &&
	    (error = jf_agent_digest_final(d, got)) == 0 && strcmp(got, b->file_checksum))
		error = jf_err_set(err, JF_EINTEGRITY,
		                   "the bmap file is damaged: its checksum is "
		                   "%s, it says %s",
		                   got, b->file_checksum);
	jf_agent_digest_free(d);
	free(copy);
	return error;
}

int jf_agent_bmap_parse(jf_agent_bmap *b, const char *xml, size_t len, jf_err *err)
{
	struct {
		parse_state s;
	} st;
	int error;

	memset(b, 0, sizeof(*b));
	memset(&st, 0, sizeof(st));
	if (len > 256u << 20 || len > (size_t)INT32_MAX)
		return jf_err_set(err, JF_EINVAL, "bmap: too large");
	if (!(st.s.p = XML_ParserCreate(NULL)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	st.s.b = b;
	st.s.err = err;
	XML_SetUserData(st.s.p, &st);
	XML_SetElementHandler(st.s.p, on_start, on_end);
	XML_SetCharacterDataHandler(st.s.p, on_text);
	if (XML_Parse(st.s.p, xml, (int)len, XML_TRUE) != XML_STATUS_OK && !st.s.error)
		st.s.error = jf_err_set(err, JF_EINVAL, "bmap: XML error at line %lu: %s",
		                        (unsigned long)XML_GetCurrentLineNumber(st.s.p),
		                        XML_ErrorString(XML_GetErrorCode(st.s.p)));
	XML_ParserFree(st.s.p);
	if ((error = st.s.error) < 0 || (error = check_file(b, xml, len, err)) < 0 ||
	    (error = check(b, err)) < 0)
		jf_agent_bmap_free(b);
	return error;
}

void jf_agent_bmap_free(jf_agent_bmap *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->nranges = 0;
}

uint64_t jf_agent_bmap_mapped_bytes(const jf_agent_bmap *b)
{
	uint64_t n = 0;

	for (size_t i = 0; i < b->nranges; i++) {
		uint64_t start = b->ranges[i].first * b->block_size;
		uint64_t end = (b->ranges[i].last + 1) * b->block_size;

		n += (end < b->image_size ? end : b->image_size) - start;
	}
	return n;
}
