// conf/nginx/fallback-fastcgi.conf.template: php-fpm first, the service for its 404s.
import { describeNginxConfig } from "./suite.js";

describeNginxConfig({ template: "fallback-fastcgi.conf.template", php: "fastcgi", fallsBack: true });
