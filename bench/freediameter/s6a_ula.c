/*
 * s6a_ula: a freeDiameter 1.2.1 extension that answers every S6a Update-Location-Request (TS 29.272, application
 * 16777251, command 316) with ULA DIAMETER_SUCCESS, Auth-Session-State NO_STATE_MAINTAINED and ULA-Flags 1: the
 * "trivial ULA handler" of issue 7, so that bench/run measures freeDiameter and AkkaDiameter doing the same work
 * against the same load generator. Built by bench/run against Debian's libfreediameter-dev:
 *
 *   gcc -shared -fPIC -O2 -o s6a_ula.fdx s6a_ula.c -lfdcore -lfdproto
 *
 * dict_dcca_3gpp defines the TS 29.272 AVPs (ULR-Flags, Visited-PLMN-Id, ...) but not the S6a application and its
 * commands; they are added here when missing, without rules (freeDiameter then checks no layout, as a responder
 * that only wants the AVPs it answers with).
 */
#include <freeDiameter/extension.h>

#define S6A_APPLICATION 16777251
#define VENDOR_3GPP 10415

static struct disp_hdl *ulr_handler;
static struct dict_object *auth_session_state;
static struct dict_object *ula_flags;

static int add_u32(struct msg *answer, struct dict_object *model, uint32_t value)
{
	struct avp *avp;
	union avp_value v;
	v.u32 = value;
	CHECK_FCT(fd_msg_avp_new(model, 0, &avp));
	CHECK_FCT(fd_msg_avp_setvalue(avp, &v));
	CHECK_FCT(fd_msg_avp_add(answer, MSG_BRW_LAST_CHILD, avp));
	return 0;
}

static int on_ulr(struct msg **msg, struct avp *avp, struct session *sess, void *opaque, enum disp_action *act)
{
	(void)avp; (void)sess; (void)opaque; (void)act;
	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	CHECK_FCT(fd_msg_rescode_set(*msg, "DIAMETER_SUCCESS", NULL, NULL, 1));   /* Result-Code, Origin-Host/Realm */
	CHECK_FCT(add_u32(*msg, auth_session_state, 1));                          /* NO_STATE_MAINTAINED */
	CHECK_FCT(add_u32(*msg, ula_flags, 1));                                   /* Separation Indication */
	CHECK_FCT(fd_msg_send(msg, NULL, NULL));
	return 0;
}

static int find_or_add_command(struct dict_object *application, command_code_t code, const char *name, uint8_t flags,
	struct dict_object **command)
{
	struct dict_cmd_data data = { code, (char *)name, CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE | CMD_FLAG_ERROR, flags };
	if (fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_NAME, name, command, ENOENT) == 0) return 0;
	CHECK_FCT(fd_dict_new(fd_g_config->cnf_dict, DICT_COMMAND, &data, application, command));
	return 0;
}

static int s6a_ula_entry(char *conffile)
{
	struct dict_object *vendor, *application, *ulr, *ula;
	struct disp_when when;
	application_id_t id = S6A_APPLICATION;
	vendor_id_t vendor_id = VENDOR_3GPP;
	(void)conffile;

	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_VENDOR, VENDOR_BY_ID, &vendor_id, &vendor, ENOENT));
	if (fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION, APPLICATION_BY_ID, &id, &application, ENOENT) != 0) {
		struct dict_application_data data = { S6A_APPLICATION, "S6a/S6d" };
		CHECK_FCT(fd_dict_new(fd_g_config->cnf_dict, DICT_APPLICATION, &data, vendor, &application));
	}
	CHECK_FCT(find_or_add_command(application, 316, "Update-Location-Request", CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE, &ulr));
	CHECK_FCT(find_or_add_command(application, 316, "Update-Location-Answer", CMD_FLAG_PROXIABLE, &ula));

	CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME, "Auth-Session-State", &auth_session_state, ENOENT));
	{
		struct dict_avp_request request = { VENDOR_3GPP, 0, "ULA-Flags" };
		CHECK_FCT(fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME_AND_VENDOR, &request, &ula_flags, ENOENT));
	}

	memset(&when, 0, sizeof(when));
	when.app = application;
	when.command = ulr;
	CHECK_FCT(fd_disp_register(on_ulr, DISP_HOW_CC, &when, NULL, &ulr_handler));
	/* Advertised in CER/CEA: Vendor-Specific-Application-Id { 10415, Auth 16777251 }. */
	CHECK_FCT(fd_disp_app_support(application, vendor, 1, 0));
	return 0;
}

void fd_ext_fini(void)
{
	if (ulr_handler) (void)fd_disp_unregister(&ulr_handler, NULL);
}

EXTENSION_ENTRY("s6a_ula", s6a_ula_entry);
