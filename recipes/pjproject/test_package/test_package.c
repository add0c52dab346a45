/* test_package: initialise pjsua, create a UDP transport on 127.0.0.1, shut down. */
#include <pjsua-lib/pjsua.h>
#include <stdio.h>

int main(void)
{
    pjsua_config cfg;
    pjsua_logging_config log_cfg;
    pjsua_media_config media_cfg;
    pjsua_transport_config tcfg;
    pjsua_transport_id tid;
    pjsua_transport_info info;
    pj_status_t status;

    if (pjsua_create() != PJ_SUCCESS) {
        fprintf(stderr, "pjsua_create failed\n");
        return 1;
    }
    pjsua_config_default(&cfg);
    pjsua_logging_config_default(&log_cfg);
    log_cfg.console_level = 1;
    pjsua_media_config_default(&media_cfg);
    media_cfg.clock_rate = 8000;
    media_cfg.snd_clock_rate = 8000;
    status = pjsua_init(&cfg, &log_cfg, &media_cfg);
    if (status != PJ_SUCCESS) {
        fprintf(stderr, "pjsua_init failed: %d\n", status);
        pjsua_destroy();
        return 1;
    }
    pjsua_transport_config_default(&tcfg);
    tcfg.port = 0;
    tcfg.bound_addr = pj_str("127.0.0.1");
    status = pjsua_transport_create(PJSIP_TRANSPORT_UDP, &tcfg, &tid);
    if (status != PJ_SUCCESS) {
        fprintf(stderr, "pjsua_transport_create failed: %d\n", status);
        pjsua_destroy();
        return 1;
    }
    pjsua_transport_get_info(tid, &info);
    status = pjsua_start();
    if (status != PJ_SUCCESS) {
        fprintf(stderr, "pjsua_start failed: %d\n", status);
        pjsua_destroy();
        return 1;
    }
    printf("test_package: pjsua %s, UDP transport at %.*s\n", pj_get_version(),
           (int)info.local_name.host.slen, info.local_name.host.ptr);
    pjsua_destroy();
    return 0;
}
