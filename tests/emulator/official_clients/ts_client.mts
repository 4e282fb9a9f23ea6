// Cycle's official TypeScript client (github.com/cycleplatform/api-client-typescript) against the
// emulator, used as its README shows: getClient({baseUrl, apiKey, hubId}), typed calls, trackJob.
// Run by run.py: node ts_client.mjs URL API_KEY HUB_ID. Prints one line per check, then the counts;
// exits 1 if any check failed. Type-checked against the client's own types before it runs.
import {
    getClient,
    getJobProgress,
    trackJob,
    type components,
    type JobProgressEvent,
} from "@cycleplatform/api-client-typescript";

type Job = components["schemas"]["Job"];
type Answer<T> = { data?: T; error?: unknown; response: Response };

const [baseUrl, apiKey, hubId] = process.argv.slice(2) as [string, string, string];
const client = getClient({ baseUrl, apiKey, hubId });
const FAST = { pollingInterval: 20 };
const MISSING_ID = "5f1e00000000000000000bad";
const ZERO_TIME = "0001-01-01T00:00:00Z"; // how Cycle writes "not yet"

const operations = new Map<string, string>(); // operationId -> "" (answered as documented) or why not
const contents: [string, boolean, string][] = [];
const tracking: [string, boolean, string][] = [];

function short(value: unknown): string {
    return JSON.stringify(value)?.slice(0, 300) ?? String(value);
}

/** One operation: passes when it answers 2xx with a body (or 204, for deletes that return none). */
async function op<T>(operationId: string, request: Promise<Answer<T>>): Promise<T | undefined> {
    let answer: Answer<T>;
    try {
        answer = await request;
    } catch (error) {
        operations.set(operationId, `threw ${String(error)}`);
        return undefined;
    }
    const ok = answer.response.ok && (answer.data !== undefined || answer.response.status === 204);
    const why = ok ? "" : `${answer.response.status} ${short(answer.error ?? answer.data)}`;
    if (!operations.get(operationId)) operations.set(operationId, why); // a failure sticks
    return ok ? answer.data : undefined;
}

function check(list: [string, boolean, string][], name: string, ok: boolean, detail: unknown = ""): void {
    list.push([name, ok, ok ? "" : short(detail)]);
}
const content = (name: string, ok: boolean, detail?: unknown) => check(contents, name, ok, detail);
const tracked = (name: string, ok: boolean, detail?: unknown) => check(tracking, name, ok, detail);

/** A control of the emulator (not Cycle's API): plain fetch, as a test would. */
async function control(path: string, body: unknown = {}): Promise<void> {
    const response = await fetch(`${baseUrl}/_emulator/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`control ${path}: ${response.status}`);
}

/** A task's job, tracked to its end with the client's trackJob. */
async function finish(task: { data: components["schemas"]["JobDescriptor"] } | undefined): Promise<Job | undefined> {
    const job = task?.data.job;
    if (!job?.id) return undefined;
    try {
        return await trackJob(client, job.id, FAST).promise;
    } catch (error) {
        return error as Job;
    }
}

const id = (item: { data: { id: string } } | undefined): string => item?.data.id ?? MISSING_ID;

async function account(): Promise<void> {
    const me = await op("getAccount", client.GET("/v1/account"));
    content("the account has an ID and an email", Boolean(me?.data?.id && me.data.email.address), me);
    await op("updateAccount", client.PATCH("/v1/account", { body: { name: { first: "Ada", last: "Lovelace" } } }));
    const again = await op("getAccount", client.GET("/v1/account"));
    content("an account update reads back", again?.data?.name.first === "Ada" && again.data.name.last === "Lovelace", again?.data?.name);
    await op("getAccountLogins", client.GET("/v1/account/logins"));
    await op("getAccountInvites", client.GET("/v1/account/invites"));
    const made = await client.PATCH("/v1/account/invites/{inviteId}", { params: { path: { inviteId: "0" } }, body: { accept: true } });
    content("an invite ID the API could not have made names nothing (404.hub.invitation)", made.response.status === 404 && made.error?.error.code === "404.hub.invitation", made.error);
    await op("getAccountMemberships", client.GET("/v1/account/memberships"));
}

async function hub(): Promise<void> {
    const current = await op("getHub", client.GET("/v1/hubs/current"));
    content("the current hub is the X-Hub-Id sent", current?.data?.id === hubId, current?.data?.id);
    await op("updateHub", client.PATCH("/v1/hubs/current", { body: { name: "Renamed hub" } }));
    const hubs = await op("getHubs", client.GET("/v1/hubs"));
    content("the hub list holds the renamed hub", Boolean(hubs?.data.some((h) => h.id === hubId && h.name === "Renamed hub")), hubs);
    await op("getHubCapabilities", client.GET("/v1/hubs/capabilities"));
    await op("getHubUsage", client.GET("/v1/hubs/current/usage"));
    await op("getHubActivity", client.GET("/v1/hubs/current/activity"));
    await op("getHubMembers", client.GET("/v1/hubs/current/members"));
    await op("getHubMembership", client.GET("/v1/hubs/current/membership"));
    await op("getHubNotificationSocketAuth", client.GET("/v1/hubs/current/notifications"));
    await op("getDefaultHubRoles", client.GET("/v1/hubs/current/roles/defaults"));

    const role = await op("createRole", client.POST("/v1/hubs/current/roles", {
        body: { name: "deployers", identifier: "deployers", rank: 10, capabilities: { all: false, specific: ["containers-deploy"] } },
    }));
    const roleId = id(role);
    await op("getRole", client.GET("/v1/hubs/current/roles/{roleId}", { params: { path: { roleId } } }));
    await op("updateRole", client.PATCH("/v1/hubs/current/roles/{roleId}", { params: { path: { roleId } }, body: { name: "shippers", identifier: "deployers", rank: 10 } }));
    const roles = await op("getRoles", client.GET("/v1/hubs/current/roles"));
    content("the role list holds the renamed role", Boolean(roles?.data.some((r) => r.id === roleId && r.name === "shippers")), roles);

    const key = await op("createApiKey", client.POST("/v1/hubs/current/api-keys", {
        body: { name: "ci", role_id: roleId },
    }));
    const apikeyId = id(key);
    await op("getAPIKey", client.GET("/v1/hubs/current/api-keys/{apikeyId}", { params: { path: { apikeyId } } }));
    await op("updateAPIKey", client.PATCH("/v1/hubs/current/api-keys/{apikeyId}", { params: { path: { apikeyId } }, body: { name: "ci-2" } }));
    await op("getApiKeys", client.GET("/v1/hubs/current/api-keys"));
    const secret = key?.data.secret;
    if (secret) {
        const other = getClient({ baseUrl, apiKey: secret, hubId });
        const seen = await other.GET("/v1/hubs/current");
        content("a new API key's secret authenticates in its hub", seen.data?.data?.id === hubId, seen.error);
    } else {
        content("a new API key's secret authenticates in its hub", false, "no secret");
    }
    await op("deleteAPIKey", client.DELETE("/v1/hubs/current/api-keys/{apikeyId}", { params: { path: { apikeyId } } }));
    if (secret) {
        const refused = await getClient({ baseUrl, apiKey: secret, hubId }).GET("/v1/hubs/current");
        content("a deleted API key is refused (401)", refused.response.status === 401, refused.response.status);
    }

    const invite = await op("createHubInvite", client.POST("/v1/hubs/current/invites", {
        body: { recipient: "grace@example.com", role_id: roleId },
    }));
    await op("getHubInvites", client.GET("/v1/hubs/current/invites"));
    await op("deleteHubInvite", client.DELETE("/v1/hubs/current/invites/{inviteId}", { params: { path: { inviteId: id(invite) } } }));
    await op("deleteRole", client.DELETE("/v1/hubs/current/roles/{roleId}", { params: { path: { roleId } } }));
    await op("getAvailableIntegrations", client.GET("/v1/hubs/current/integrations/available"));
    await op("getIntegrations", client.GET("/v1/hubs/current/integrations"));
}

async function environment(name: string): Promise<string> {
    const made = await op("createEnvironment", client.POST("/v1/environments", {
        body: { name, cluster: "production", about: { description: `the ${name} environment` }, features: { legacy_networking: false } },
    }));
    return id(made);
}

async function environments(): Promise<string> {
    const environmentId = await environment("staging");
    const path = { params: { path: { environmentId } } };
    const read = await op("getEnvironment", client.GET("/v1/environments/{environmentId}", path));
    content("a new environment reads back with what was sent", read?.data.name === "staging" && read.data.about?.description === "the staging environment" && read.data.cluster === "production", read?.data);
    await op("updateEnvironment", client.PATCH("/v1/environments/{environmentId}", { ...path, body: { name: "stage" } }));
    const listed = await op("getEnvironments", client.GET("/v1/environments", { params: { query: { filter: { search: "stage" }, sort: ["-id"], page: { number: 1, size: 20 } } } }));
    content("the environment list (filtered, sorted, paged) holds the renamed environment", Boolean(listed?.data.some((e) => e.id === environmentId && e.name === "stage")), listed);
    await op("getEnvironmentSummary", client.GET("/v1/environments/{environmentId}/summary", path));
    await op("getEnvironmentDeployments", client.GET("/v1/environments/{environmentId}/deployments", path));
    await op("getLoadBalancerService", client.GET("/v1/environments/{environmentId}/services/lb", path));
    await op("getVPNService", client.GET("/v1/environments/{environmentId}/services/vpn", path));
    await op("getVPNLogins", client.GET("/v1/environments/{environmentId}/services/vpn/logins", path));
    const vpnUser = await op("createVPNUser", client.POST("/v1/environments/{environmentId}/services/vpn/users", { ...path, body: { username: "ada", password: "s3cret-pw" } }));
    const vpnUsers = await op("getVPNUsers", client.GET("/v1/environments/{environmentId}/services/vpn/users", path));
    content("the VPN user list holds the new user", Boolean(vpnUsers?.data.some((u) => u.id === vpnUser?.data.id && u.username === "ada")), vpnUsers);
    await op("deleteVPNUser", client.DELETE("/v1/environments/{environmentId}/services/vpn/users/{userId}", { params: { path: { environmentId, userId: id(vpnUser) } } }));
    const afterVpn = await op("getVPNUsers", client.GET("/v1/environments/{environmentId}/services/vpn/users", path));
    content("a deleted VPN user is gone from the list", afterVpn?.data.every((u) => u.id !== vpnUser?.data.id) === true, afterVpn);

    const variable = await op("createScopedVariable", client.POST("/v1/environments/{environmentId}/scoped-variables", {
        ...path,
        body: { identifier: "DATABASE_URL", scope: { containers: { global: true, ids: [], identifiers: [] } }, source: { type: "raw", details: { value: "postgres://db", blob: false } } },
    }));
    const scopedVariableId = id(variable);
    const variablePath = { params: { path: { environmentId, scopedVariableId } } };
    await op("getScopedVariable", client.GET("/v1/environments/{environmentId}/scoped-variables/{scopedVariableId}", variablePath));
    await op("updateScopedVariable", client.PATCH("/v1/environments/{environmentId}/scoped-variables/{scopedVariableId}", { ...variablePath, body: { identifier: "DB_URL" } }));
    const variables = await op("getScopedVariables", client.GET("/v1/environments/{environmentId}/scoped-variables", path));
    content("the scoped variable list holds the renamed variable", Boolean(variables?.data.some((v) => v.id === scopedVariableId && v.identifier === "DB_URL")), variables);
    await op("deleteScopedVariable", client.DELETE("/v1/environments/{environmentId}/scoped-variables/{scopedVariableId}", variablePath));

    const started = await finish(await op("createEnvironmentJob", client.POST("/v1/environments/{environmentId}/tasks", { ...path, body: { action: "start" } })));
    content("an environment start job completes", started?.state.current === "completed", started?.state);
    const missing = await client.GET("/v1/environments/{environmentId}", { params: { path: { environmentId: MISSING_ID } } });
    content("a missing environment is a typed 404.environment error", missing.response.status === 404 && missing.error?.error.code === "404.environment", missing.error);
    return environmentId;
}

async function image(): Promise<string> {
    const source = await op("createImageSource", client.POST("/v1/images/sources", {
        body: { name: "nginx", type: "direct", origin: { type: "docker-hub", details: { target: "nginx:latest" } } },
    }));
    const sourceId = id(source);
    await op("getImageSource", client.GET("/v1/images/sources/{sourceId}", { params: { path: { sourceId } } }));
    await op("updateImageSource", client.PATCH("/v1/images/sources/{sourceId}", { params: { path: { sourceId } }, body: { name: "nginx-latest" } }));
    const sources = await op("getImageSources", client.GET("/v1/images/sources"));
    content("the image source list holds the renamed source", Boolean(sources?.data.some((s) => s.id === sourceId && s.name === "nginx-latest")), sources);

    const made = await op("createImage", client.POST("/v1/images", { body: { source_id: sourceId } }));
    const imageId = id(made);
    content("a new image is new (a shell) until its import job runs", made?.data.state.current === "new", made?.data.state);
    const imported = await finish(await op("createImageJob", client.POST("/v1/images/{imageId}/tasks", { params: { path: { imageId } }, body: { action: "import" } })));
    content("an image import job completes", imported?.state.current === "completed", imported?.state);
    const read = await op("getImage", client.GET("/v1/images/{imageId}", { params: { path: { imageId } } }));
    content("an imported image is live and names its source", read?.data.state.current === "live" && read.data.source?.details?.id === sourceId, read?.data);
    await op("updateImage", client.PATCH("/v1/images/{imageId}", { params: { path: { imageId } }, body: { name: "web image" } }));
    await op("getImages", client.GET("/v1/images"));
    await op("getImageBuildLog", client.GET("/v1/images/{imageId}/build-log", { params: { path: { imageId } } }));
    return imageId;
}

async function containers(environmentId: string, imageId: string): Promise<void> {
    const made = await op("createContainer", client.POST("/v1/containers", {
        body: {
            name: "web",
            environment_id: environmentId,
            image_id: imageId,
            stateful: false,
            config: { network: { public: "enable", hostname: "web", egress_via_gateway: false, routes: null }, deploy: { instances: 2 } },
        },
    }));
    const containerId = id(made);
    const path = { params: { path: { containerId } } };
    const read = await op("getContainer", client.GET("/v1/containers/{containerId}", { ...path, params: { ...path.params, query: { include: ["images", "environments"] } } }));
    content("a new container reads back with its environment, image and config", read?.data.environment.id === environmentId && read.data.image.id === imageId && read.data.config.deploy.instances === 2, read?.data);
    content("include=images,environments resolve the container's references", Boolean(read?.includes?.images?.[imageId] && read.includes.environments?.[environmentId]), read?.includes);
    content("a user's container is no service container (image.service is null)", read?.data.image.service == null, read?.data.image);
    const listed = await op("getContainers", client.GET("/v1/containers", { params: { query: { filter: { environment: environmentId } } } }));
    const users = listed?.data.filter((c) => c.image.service == null).map((c) => c.id);
    content("the container list filtered by environment holds it (beside the environment's services)", users?.length === 1 && users[0] === containerId && Boolean(listed?.data.every((c) => c.environment.id === environmentId)), listed?.data.map((c) => [c.id, c.image.service]));
    await op("updateContainer", client.PATCH("/v1/containers/{containerId}", { ...path, body: { name: "frontend" } }));

    const start = await op("createContainerJob", client.POST("/v1/containers/{containerId}/tasks", { ...path, body: { action: "start" } }));
    const started = await finish(start);
    const running = await op("getContainer", client.GET("/v1/containers/{containerId}", path));
    content("a started container is running with its 2 instances counted", started?.state.current === "completed" && running?.data.state.current === "running" && running.data.instances === 2, running?.data);
    const scaled = await finish(await op("createContainerJob", client.POST("/v1/containers/{containerId}/tasks", { ...path, body: { action: "scale", contents: { instances: 3 } } })));
    const after = await op("getContainer", client.GET("/v1/containers/{containerId}", path));
    content("scale sets config.deploy.instances and the instance count", scaled?.state.current === "completed" && after?.data.config.deploy.instances === 3 && after.data.instances === 3, after?.data);

    const counted = await op("getEnvironment", client.GET("/v1/environments/{environmentId}", { params: { path: { environmentId }, query: { meta: ["instances_count"] } } }));
    const instanceCount = counted?.data.meta?.instances_count;
    content("meta=instances_count counts the environment's instances by state", instanceCount !== undefined && instanceCount.total >= 3, counted?.data.meta);
    const current = await op("getImage", client.GET("/v1/images/{imageId}", { params: { path: { imageId } } }));
    const next = await op("createImage", client.POST("/v1/images", { body: { source_id: current?.data.source?.details?.id ?? MISSING_ID } }));
    await finish(await op("createImageJob", client.POST("/v1/images/{imageId}/tasks", { params: { path: { imageId: id(next) } }, body: { action: "import" } })));
    const reimaged = await finish(await op("createContainerJob", client.POST("/v1/containers/{containerId}/tasks", { ...path, body: { action: "reimage", contents: { image_id: id(next) } } })));
    const rerun = await op("getContainer", client.GET("/v1/containers/{containerId}", path));
    content("reimage makes the container run the new image", reimaged?.state.current === "completed" && rerun?.data.image.id === id(next), rerun?.data.image);
    const instances = await op("getInstances", client.GET("/v1/containers/{containerId}/instances", path));
    content("the instance list holds the container's 3 instances", instances?.data.length === 3 && instances.data.every((i) => i.container_id === containerId), instances?.data.length);
    const instanceId = instances?.data[0]?.id ?? MISSING_ID;
    const instancePath = { params: { path: { containerId, instanceId } } };
    await op("getInstance", client.GET("/v1/containers/{containerId}/instances/{instanceId}", instancePath));
    await op("getInstanceVolumes", client.GET("/v1/containers/{containerId}/instances/{instanceId}/volumes", instancePath));
    await op("generateInstanceSSHCredentials", client.GET("/v1/containers/{containerId}/instances/{instanceId}/ssh", instancePath));
    const dropped = await finish(await op("deleteInstance", client.DELETE("/v1/containers/{containerId}/instances/{instanceId}", instancePath)));
    const fewer = await op("getContainer", client.GET("/v1/containers/{containerId}", path));
    content("a deleted instance is no longer counted (container.instances 2)", dropped?.state.current === "completed" && fewer?.data.instances === 2, fewer?.data.instances);
    await op("getContainerSummary", client.GET("/v1/containers/{containerId}/summary", path));
    await op("getContainerServers", client.GET("/v1/containers/{containerId}/servers", path));
    await op("getCompatibleServers", client.GET("/v1/containers/{containerId}/servers/usable", path));
    await op("getCompatibleImages", client.GET("/v1/containers/{containerId}/compatible-images", path));
    await op("getContainerBackups", client.GET("/v1/containers/{containerId}/backups", path));

    const refused = await client.POST("/v1/containers/{containerId}/tasks", { ...path, body: { action: "scale", contents: { instances: -1 } } });
    content("a scale below zero is refused (422)", refused.response.status === 422, refused.error);
    const removed = await finish(await op("deleteContainer", client.DELETE("/v1/containers/{containerId}", path)));
    const gone = await client.GET("/v1/containers/{containerId}", path);
    content("a deleted container is gone (404.container)", removed?.state.current === "completed" && gone.response.status === 404 && gone.error?.error.code === "404.container", gone.error);
}

const STACK = {
    version: "1.0" as const,
    containers: {
        web: {
            name: "Web {{tier}}",
            stateful: false,
            image: { origin: { type: "docker-hub" as const, details: { target: "nginx:latest" } } },
            config: { network: { public: "enable" as const, hostname: "web" }, deploy: { instances: 1 } },
        },
    },
};

async function stacks(): Promise<void> {
    const made = await op("createStack", client.POST("/v1/stacks", {
        body: { name: "shop", variables: { tier: "front" }, source: { type: "raw", details: STACK } },
    }));
    const stackId = id(made);
    const path = { params: { path: { stackId } } };
    await op("getStack", client.GET("/v1/stacks/{stackId}", path));
    await op("updateStack", client.PATCH("/v1/stacks/{stackId}", { ...path, body: { name: "store" } }));
    const listed = await op("getStacks", client.GET("/v1/stacks"));
    content("the stack list holds the renamed stack", Boolean(listed?.data.some((s) => s.id === stackId && s.name === "store")), listed);
    const build = await op("createStackBuild", client.POST("/v1/stacks/{stackId}/builds", { ...path, body: { instructions: {} } }));
    const buildId = id(build);
    const buildPath = { params: { path: { stackId, buildId } } };
    const generated = await finish(await op("createStackBuildJob", client.POST("/v1/stacks/{stackId}/builds/{buildId}/tasks", { ...buildPath, body: { action: "generate" } })));
    const read = await op("getStackBuild", client.GET("/v1/stacks/{stackId}/builds/{buildId}", buildPath));
    content("a generated build holds the stack's spec and variables", generated?.state.current === "completed" && (typeof read?.data.spec?.containers === "object" && Boolean(read.data.spec.containers?.["web"])) && read?.data.instructions.variables?.["tier"] === "front", read?.data);
    await op("getStackBuilds", client.GET("/v1/stacks/{stackId}/builds", path));
    await op("getAllStackBuilds", client.GET("/v1/stacks/builds"));
    await op("lookupStackBuild", client.GET("/v1/stacks/builds/{buildId}", { params: { path: { buildId } } }));
    await op("getStackBuildLog", client.GET("/v1/stacks/{stackId}/builds/{buildId}/build-log", buildPath));

    const environmentId = await environment("shop");
    const deployed = await finish(await op("createStackBuildJob", client.POST("/v1/stacks/{stackId}/builds/{buildId}/tasks", {
        ...buildPath,
        body: { action: "deploy", contents: { environment_id: environmentId } },
    })));
    const containers = await op("getContainers", client.GET("/v1/containers", { params: { query: { filter: { environment: environmentId }, include: ["images"] } } }));
    const web = containers?.data.find((c) => c.identifier === "web");
    const builtImage = web?.image.id ? containers?.includes?.images?.[web.image.id] : undefined;
    content("a deployed build makes its containers, on images it built (include=images)", deployed?.state.current === "completed" && web?.name === "Web front" && builtImage?.state.current === "live", { web, builtImage });
}

async function dns(): Promise<void> {
    const zone = await op("createDNSZone", client.POST("/v1/dns/zones", { body: { origin: "example.com", hosted: true } }));
    const zoneId = id(zone);
    const path = { params: { path: { zoneId } } };
    await op("getDNSZone", client.GET("/v1/dns/zones/{zoneId}", path));
    await op("updateDNSZone", client.PATCH("/v1/dns/zones/{zoneId}", { ...path, body: { hosted: false } }));
    await op("getDNSZones", client.GET("/v1/dns/zones"));
    const record = await op("createDNSZoneRecord", client.POST("/v1/dns/zones/{zoneId}/records", {
        ...path,
        body: { name: "www", type: { a: { ip: "192.0.2.1" } } },
    }));
    const recordId = id(record);
    const recordPath = { params: { path: { zoneId, recordId } } };
    await op("updateDNSZoneRecord", client.PATCH("/v1/dns/zones/{zoneId}/records/{recordId}", { ...recordPath, body: { type: { a: { ip: "192.0.2.2" } } } }));
    const records = await op("getDNSZoneRecords", client.GET("/v1/dns/zones/{zoneId}/records", path));
    content("the zone's record list holds the updated record", Boolean(records?.data.some((r) => r.id === recordId && r.type.a?.ip === "192.0.2.2")), records);
    await op("deleteDNSZoneRecord", client.DELETE("/v1/dns/zones/{zoneId}/records/{recordId}", recordPath));
    await op("deleteDNSZone", client.DELETE("/v1/dns/zones/{zoneId}", path));
    await op("getTLSGenerationAttempts", client.GET("/v1/dns/tls/attempts"));
    await op("getAllTlsCertificates", client.GET("/v1/dns/tls/certificates"));
}

async function networks(environmentId: string): Promise<void> {
    const made = await op("createNetwork", client.POST("/v1/sdn/networks", {
        body: { name: "backplane", identifier: "backplane", cluster: "production", environments: [environmentId] },
    }));
    const networkId = id(made);
    const path = { params: { path: { networkId } } };
    const read = await op("getNetwork", client.GET("/v1/sdn/networks/{networkId}", path));
    content("a new network names its environment", Boolean(read?.data.environments?.some((e) => e.id === environmentId)), read?.data);
    await op("updateNetwork", client.PATCH("/v1/sdn/networks/{networkId}", { ...path, body: { name: "core" } }));
    await op("getNetworks", client.GET("/v1/sdn/networks"));
    await op("deleteNetwork", client.DELETE("/v1/sdn/networks/{networkId}", path));
}

async function pipelines(): Promise<void> {
    const made = await op("createPipeline", client.POST("/v1/pipelines", { body: { name: "release", dynamic: false, stages: [] } }));
    const pipelineId = id(made);
    const path = { params: { path: { pipelineId } } };
    await op("getPipeline", client.GET("/v1/pipelines/{pipelineId}", path));
    await op("updatePipeline", client.PATCH("/v1/pipelines/{pipelineId}", { ...path, body: { name: "ship" } }));
    await op("getPipelines", client.GET("/v1/pipelines"));
    const key = await op("createPipelineTriggerKey", client.POST("/v1/pipelines/{pipelineId}/keys", { ...path, body: { name: "ci" } }));
    await op("getPipelineTriggerKeys", client.GET("/v1/pipelines/{pipelineId}/keys", path));
    const trigger = { secret: key?.data.secret ?? "", variables: { version: "1.2.0" } };
    const run = await finish(await op("triggerPipeline", client.POST("/v1/pipelines/{pipelineId}/trigger", { ...path, body: trigger })));
    const runs = await op("getPipelineRuns", client.GET("/v1/pipelines/{pipelineId}/runs", path));
    const ran = runs?.data[0];
    content("a triggered pipeline has a run, complete, with its start and finish times", run?.state.current === "completed" && runs?.data.length === 1 && ran?.state.current === "complete" && ran.events.started !== ZERO_TIME && ran.events.finished !== ZERO_TIME, ran);
    await op("getAllPipelineRuns", client.GET("/v1/pipelines/runs"));
    await op("deletePipeline", client.DELETE("/v1/pipelines/{pipelineId}", path));
}

async function infrastructure(): Promise<void> {
    await op("getInfrastructureSummary", client.GET("/v1/infrastructure/summary"));
    await op("getDeploymentStrategies", client.GET("/v1/infrastructure/deployment-strategies"));
    await op("getClusters", client.GET("/v1/infrastructure/clusters"));
    await op("getIpPools", client.GET("/v1/infrastructure/ips/pools"));
    await op("getServerTags", client.GET("/v1/infrastructure/servers/tags"));
    const order = await op("createServers", client.POST("/v1/infrastructure/servers", {
        body: { cluster: "production", servers: [{ integration_id: "5f1e000000000000000000e1", model_id: "m", location_id: "l", quantity: 1 }] },
    }));
    const provisioned = await finish(order);
    const servers = await op("getServers", client.GET("/v1/infrastructure/servers"));
    const serverId = servers?.data[0]?.id ?? MISSING_ID;
    content("an ordered server is provisioned by its job, then live", provisioned?.state.current === "completed" && servers?.data.length === 1 && servers.data[0]?.state.current === "live", servers?.data[0]?.state);
    await op("getServer", client.GET("/v1/infrastructure/servers/{serverId}", { params: { path: { serverId } } }));
    await op("getServerInstances", client.GET("/v1/infrastructure/servers/{serverId}/instances", { params: { path: { serverId } } }));
}

async function misc(): Promise<void> {
    await op("getAnnouncements", client.GET("/v1/announcements"));
    await op("getChangelog", client.GET("/v1/changelog"));
    await op("getBillingTiers", client.GET("/v1/billing/plans/tiers"));
    await op("getBillingSupportPlans", client.GET("/v1/billing/plans/support"));
    await op("getInvoices", client.GET("/v1/billing/invoices"));
    await op("getBillingServices", client.GET("/v1/billing/services"));
    await op("getBillingMethods", client.GET("/v1/billing/methods"));
    await op("getOrders", client.GET("/v1/billing/orders"));
    await op("getCredits", client.GET("/v1/billing/credits"));
    await op("getSearchIndex", client.GET("/v1/search/index"));
    await op("getVirtualMachines", client.GET("/v1/virtual-machines"));
    await op("getVirtualMachineSshKeys", client.GET("/v1/virtual-machines/ssh-keys"));
    await op("getVirtualMachineBaseImages", client.GET("/v1/virtual-machines/images/base"));
    await op("getExternalVolumes", client.GET("/v1/infrastructure/external-volumes"));
    await op("getLatestJobs", client.GET("/v1/jobs/latest"));
    const jobs = await op("getJobs", client.GET("/v1/jobs", { params: { query: { page: { number: 1, size: 100 } } } }));
    const first = jobs?.data[0];
    const job = await op("getJob", client.GET("/v1/jobs/{jobId}", { params: { path: { jobId: first?.id ?? MISSING_ID } } }));
    content("the job list's first job reads back by its ID", Boolean(first && job?.data.id === first.id), first);
    const unauthorized = await getClient({ baseUrl, apiKey: "not-a-key", hubId }).GET("/v1/hubs/current");
    content("an unknown API key is a typed 401 error", unauthorized.response.status === 401 && unauthorized.error?.error.code === "401.auth-invalid", unauthorized.error);
}

/** trackJob, the client's job helper, over the emulator's job lifecycle and its failure modes. */
async function jobTracking(environmentId: string): Promise<void> {
    const path = { params: { path: { environmentId } } };
    const task = async () => (await client.POST("/v1/environments/{environmentId}/tasks", { ...path, body: { action: "stop" } })).data;

    const stop = await task();
    const tracker = trackJob(client, { id: stop?.data.job?.id ?? MISSING_ID }, FAST);
    const progress: JobProgressEvent[] = [];
    let done: Job | undefined;
    tracker.addEventListener("progress", (event) => progress.push((event as CustomEvent<JobProgressEvent>).detail));
    tracker.addEventListener("done", (event) => (done = (event as CustomEvent<Job>).detail));
    const job = await tracker.promise.catch((error: unknown) => error as Job);
    tracked("trackJob resolves a task's job as completed", job.state?.current === "completed", job);
    tracked("trackJob dispatches progress events", progress.length >= 1, progress);
    tracked("the last progress event is completed at 100%", progress.at(-1)?.state === "completed" && progress.at(-1)?.percent === 100, progress.at(-1));
    tracked("trackJob dispatches done with the finished job", done?.id === job.id, done);
    tracked("progress never goes backwards", progress.every((p, i) => i === 0 || p.completed >= (progress[i - 1]?.completed ?? 0)), progress);
    const steps = getJobProgress(job);
    tracked("getJobProgress counts every step of a completed job", steps.total > 0 && steps.completed === steps.total && steps.failed === 0, steps);

    await control("jobs/fail-next", { message: "disk full" });
    const failing = await task();
    const failed = await trackJob(client, failing?.data.job?.id ?? MISSING_ID, FAST).promise.then(
        (value) => ({ rejected: false, value }),
        (value: Job) => ({ rejected: true, value }),
    );
    tracked("trackJob rejects with the job when it ends in error", failed.rejected && failed.value.state?.current === "error", failed);
    tracked("a failed job's progress counts a failed step", getJobProgress(failed.value).failed >= 1, getJobProgress(failed.value));

    await control("jobs/delay-next", { requests: 2 });
    const late = await task();
    const arrived = await trackJob(client, late?.data.job?.id ?? MISSING_ID, FAST).promise.catch((error: unknown) => error as Job);
    tracked("trackJob waits through 404.job while a new job is not yet readable", arrived.state?.current === "completed", arrived);
}

/** Deletes, as a user cleans up: each item is gone after (its kind's 404), and what it held too. */
async function teardown(environmentId: string, imageId: string): Promise<void> {
    const hub = await op("createHub", client.POST("/v1/hubs", { body: { name: "Scratch" } }));
    const hubs = await op("getHubs", client.GET("/v1/hubs"));
    content("a new hub is listed", Boolean(hubs?.data.some((h) => h.id === hub?.data.id && h.name === "Scratch")), hubs);
    const scratch = getClient({ baseUrl, apiKey, hubId: id(hub) });
    const owned = await scratch.GET("/v1/hubs/current/membership");
    content("the hub's maker is its accepted member", owned.data?.data.state.current === "accepted", owned.data ?? owned.error);
    // Not trackJob: the job goes with its hub (its last poll would be the hub's 404).
    await op("deleteHub", scratch.DELETE("/v1/hubs/current", { body: {} }));
    let listed = true;
    for (let poll = 0; listed && poll < 100; poll++) {
        const after = await op("getHubs", client.GET("/v1/hubs"));
        listed = after?.data.some((h) => h.id === hub?.data.id) !== false;
        if (listed) await new Promise((resolve) => setTimeout(resolve, FAST.pollingInterval));
    }
    content("a deleted hub is no longer listed once its job ran", !listed);

    const path = { params: { path: { environmentId } } };
    const removed = await finish(await op("deleteEnvironment", client.DELETE("/v1/environments/{environmentId}", path)));
    const gone = await client.GET("/v1/environments/{environmentId}", path);
    const left = await op("getContainers", client.GET("/v1/containers", { params: { query: { filter: { environment: environmentId } } } }));
    content("a deleted environment is 404.environment and its containers are gone", removed?.state.current === "completed" && gone.error?.error.code === "404.environment" && left?.data.length === 0, { gone: gone.error, left: left?.data.length });
    const image = await op("getImage", client.GET("/v1/images/{imageId}", { params: { path: { imageId } } }));
    const dropImage = await finish(await op("deleteImage", client.DELETE("/v1/images/{imageId}", { params: { path: { imageId } } })));
    const noImage = await client.GET("/v1/images/{imageId}", { params: { path: { imageId } } });
    content("a deleted image is 404.image", dropImage?.state.current === "completed" && noImage.error?.error.code === "404.image", noImage.error);
    const sourceId = image?.data.source?.details?.id ?? MISSING_ID;
    await finish(await op("deleteImageSource", client.DELETE("/v1/images/sources/{sourceId}", { params: { path: { sourceId } } })));
    const noSource = await client.GET("/v1/images/sources/{sourceId}", { params: { path: { sourceId } } });
    content("a deleted image source is 404.image.source", noSource.error?.error.code === "404.image.source", noSource.error);
    const stacks = await op("getStacks", client.GET("/v1/stacks"));
    for (const stack of stacks?.data ?? []) {
        await finish(await op("deleteStack", client.DELETE("/v1/stacks/{stackId}", { params: { path: { stackId: stack.id } } })));
    }
    const noStacks = await op("getStacks", client.GET("/v1/stacks"));
    content("deleted stacks are no longer listed", noStacks?.data.length === 0, noStacks?.data);
}

function report(title: string, rows: [string, boolean, string][]): number {
    const passed = rows.filter(([, ok]) => ok).length;
    for (const [name, ok, why] of rows) if (!ok) console.log(`FAIL ${title}: ${name} - ${why}`);
    console.log(`${title}: ${passed}/${rows.length} passed`);
    return rows.length - passed;
}

async function main(): Promise<void> {
    await account();
    await hub();
    const environmentId = await environments();
    const imageId = await image();
    await containers(environmentId, imageId);
    await stacks();
    await dns();
    await networks(environmentId);
    await pipelines();
    await infrastructure();
    await misc();
    await jobTracking(environmentId);
    await teardown(environmentId, imageId);
    const ops: [string, boolean, string][] = [...operations].map(([name, why]) => [name, why === "", why]);
    const failures = report("operations", ops) + report("content checks", contents) + report("trackJob", tracking);
    process.exit(failures === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(2);
});
