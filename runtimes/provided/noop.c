/* A Lambda custom runtime (`runtime: provided`) in plain C: answers every event with `null`.
 * Build: cc -O2 -o bootstrap noop.c. Used by `sluice fn bench` to measure the cold start of a
 * compiled bootstrap; also a minimal example of the Runtime API over one keep-alive connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 20];

static int read_response(int fd, char *id, size_t idlen) {
    size_t have = 0;
    char *end = NULL;
    while (!(end = strstr(buf, "\r\n\r\n"))) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0) return -1;
        have += (size_t)n;
        buf[have] = 0;
    }
    long length = 0;
    for (char *line = buf; line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "Content-Length:", 15) == 0) length = strtol(line + 15, NULL, 10);
        if (id && strncasecmp(line, "Lambda-Runtime-Aws-Request-Id:", 30) == 0) {
            char *v = line + 30;
            while (*v == ' ') v++;
            size_t n = strcspn(v, "\r");
            if (n >= idlen) n = idlen - 1;
            memcpy(id, v, n);
            id[n] = 0;
        }
    }
    size_t body = have - (size_t)(end + 4 - buf);
    while ((long)body < length) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n <= 0) return -1;
        body += (size_t)n;
    }
    buf[0] = 0;
    return 0;
}

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api) return 1;
    char host[64];
    snprintf(host, sizeof host, "%s", api);
    char *colon = strrchr(host, ':');
    *colon = 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    inet_pton(AF_INET, host, &addr.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return 1;
    char req[512], id[128];
    for (;;) {
        int n = snprintf(req, sizeof req, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
        if (write(fd, req, (size_t)n) != n || read_response(fd, id, sizeof id) != 0) return 1;
        n = snprintf(req, sizeof req,
                     "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: 4\r\n\r\nnull", id, api);
        if (write(fd, req, (size_t)n) != n || read_response(fd, NULL, 0) != 0) return 1;
    }
}
