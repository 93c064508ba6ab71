/**
 * What installing a package puts into a simulated guest besides its name: the configuration
 * files a provider builds on (nginx's tree: nginx.conf including `modules-enabled/*.conf` at top
 * level and `conf.d/*.conf` inside http {}, the stream module's loader) and whether its service
 * starts on install (Debian's postinst starts nginx). The texts are the simulator's own, shaped like
 * Debian bookworm's. Paths nginx's Debian binary has built in (temp paths) are written out, so
 * a check in a temporary prefix can move them there.
 */

export interface SimPackage {
  files: Record<string, string>;
  /** Directories the package creates (logs, state). */
  dirs: string[];
  /** A unit started and enabled by the package's install. */
  service?: string;
}

const NGINX_CONF = `# nginx.conf of the simulated Debian nginx package.
user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
    worker_connections 768;
}

http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_prefer_server_ciphers on;
    access_log /var/log/nginx/access.log;
    client_body_temp_path /var/lib/nginx/body;
    proxy_temp_path /var/lib/nginx/proxy;
    fastcgi_temp_path /var/lib/nginx/fastcgi;
    uwsgi_temp_path /var/lib/nginx/uwsgi;
    scgi_temp_path /var/lib/nginx/scgi;
    gzip on;
    include /etc/nginx/conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
}
`;

const MIME_TYPES = `types {
    text/html html htm shtml;
    text/css css;
    text/plain txt;
    application/javascript js;
    application/json json;
    image/png png;
    image/svg+xml svg;
    application/octet-stream bin;
}
`;

const DEFAULT_SITE = `# The simulated package's default site.
server {
    listen 80 default_server;
    listen [::]:80 default_server;
    root /var/www/html;
    index index.html;
    server_name _;
    location / {
        try_files $uri $uri/ =404;
    }
}
`;

const PACKAGES: Record<string, SimPackage> = {
  nginx: {
    files: {
      '/etc/nginx/nginx.conf': NGINX_CONF,
      '/etc/nginx/mime.types': MIME_TYPES,
      '/etc/nginx/sites-available/default': DEFAULT_SITE,
      '/etc/nginx/sites-enabled/default': DEFAULT_SITE,
      '/var/www/html/index.html': '<!doctype html><title>nginx</title>\n',
    },
    dirs: ['/etc/nginx/conf.d', '/etc/nginx/modules-enabled', '/var/log/nginx', '/var/lib/nginx', '/run'],
    service: 'nginx',
  },
  // Smallstep's package (from their apt source): the binary only; Phoenix writes the unit and config.
  'step-ca': {
    files: {
      '/usr/bin/step-ca':
        "#!/bin/sh\n# Stand-in for step-ca in a simulated guest: the simulator answers the CA's API itself.\necho 'Smallstep CA/0.19.0 (Phoenix simulator stand-in)'\n",
    },
    dirs: [],
  },
  // The module itself is this machine's (/usr/lib/nginx/modules), as the real nginx -t loads it.
  'libnginx-mod-stream': {
    files: {
      '/etc/nginx/modules-enabled/50-mod-stream.conf': 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n',
    },
    dirs: [],
  },
};

export function simPackage(name: string): SimPackage | undefined {
  return PACKAGES[name];
}
