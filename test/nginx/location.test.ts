// conf/nginx/location.conf.template: the RPC URLs to the service, everything else to php-fpm.
import { describeNginxConfig } from "./suite.js";

describeNginxConfig({ template: "location.conf.template", php: "fastcgi", fallsBack: false });
