// conf/nginx/fallback-http.conf.template: PHP over HTTP (PHP's built-in server) first, the service for its 404s.
import { describeNginxConfig } from "./suite.js";

describeNginxConfig({ template: "fallback-http.conf.template", php: "http", fallsBack: true });
