// Cycle's legacy JS client (@cycleplatform/cycle-api on npm) against the emulator, used as its
// README shows: every call takes {token, hubId, settings} and answers {ok, value} or {ok, error}.
// Run by run.py: node legacy_client.cjs URL API_KEY HUB_ID. Prints one line per failed check, then
// the counts; exits 1 if any check failed.
"use strict";
const Cycle = require("@cycleplatform/cycle-api");

const [url, token, hubId] = process.argv.slice(2);
const settings = { url: url.replace(/^https?:\/\//, ""), useHttp: true };
const base = { token, hubId, settings };
const MISSING_ID = "5f1e00000000000000000bad";

const checks = []; // [name, ok, why]
const functions = new Set(); // the client's functions called, e.g. "Containers.scale"

function short(value) {
    return (JSON.stringify(value) || String(value)).slice(0, 300);
}

/** One call of the client's function `name` (dotted under the module), and a check of its answer. */
async function step(name, params, expect = () => true, label = name) {
    const fn = name.split(".").reduce((node, key) => node[key], Cycle);
    functions.add(name);
    let result;
    try {
        result = await fn({ ...base, ...params });
    } catch (error) {
        checks.push([label, false, `threw ${String(error)}`]);
        return undefined;
    }
    let ok = false;
    try {
        ok = result.ok === true && Boolean(expect(result.value));
    } catch (error) {
        ok = false;
    }
    checks.push([label, ok, ok ? "" : short(result.ok ? result.value : result.error)]);
    return result.ok ? result.value : undefined;
}

function check(label, ok, detail) {
    checks.push([label, Boolean(ok), ok ? "" : short(detail)]);
}

/** The legacy client has no job helper: poll Jobs.getSingle until the job ends. */
async function finish(task, label) {
    const jobId = task && task.data && task.data.job && task.data.job.id;
    functions.add("Jobs.getSingle");
    for (let i = 0; jobId && i < 500; i++) {
        const read = await Cycle.Jobs.getSingle({ ...base, id: jobId });
        const state = read.ok ? read.value.data.state.current : "unreadable";
        if (["completed", "error", "expired"].includes(state)) {
            check(label, state === "completed", read.value.data.state);
            return state;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    check(label, false, task || "no job");
    return undefined;
}

const idOf = (value) => (value && value.data && value.data.id) || MISSING_ID;

async function account() {
    const me = await step("Account.getSingle", {}, (v) => v.data.id && v.data.email.address);
    await step("Account.update", { hubId: undefined, value: { name: { first: "Ada", last: "Lovelace" } } },
        (v) => v.data.name.first === "Ada", "Account.update (with no X-Hub-Id, as the client sends it) reads back");
    await step("Account.Logins.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Account.Memberships.getMemberships", {}, (v) => Array.isArray(v.data));
    await step("Account.Invites.getCollection", {}, (v) => Array.isArray(v.data));
    return me && me.data.id;
}

async function hubs(accountId) {
    await step("Hubs.getSingle", {}, (v) => v.data.id === hubId);
    await step("Hubs.update", { value: { name: "Renamed hub" } }, (v) => v.data.name === "Renamed hub");
    await step("Hubs.getCollection", {}, (v) => v.data.some((h) => h.id === hubId && h.name === "Renamed hub"),
        "Hubs.getCollection holds the renamed hub");
    await step("Hubs.getCapabilities", {}, (v) => v.data);
    await step("Hubs.Members.getCollection", {}, (v) => v.data.some((m) => m.account_id === accountId),
        "Hubs.Members.getCollection holds the account that made the hub");
    const membership = await step("Hubs.Members.getCurrentMembership", {}, (v) => v.data.account_id === accountId && v.data.state.current === "accepted",
        "Hubs.Members.getCurrentMembership is the caller's accepted membership");
    await step("Hubs.Activity.getCollection", {}, (v) => Array.isArray(v.data));

    // Today's API requires a role (the client's own CreateParams predate it): the caller's.
    const roleId = membership ? membership.data.role_id : MISSING_ID;
    const key = await step("Hubs.ApiKeys.create", { value: { name: "ci", role_id: roleId } }, (v) => v.data.secret);
    const keyId = idOf(key);
    await step("Hubs.ApiKeys.getSingle", { apiKeyId: keyId }, (v) => v.data.name === "ci");
    await step("Hubs.ApiKeys.update", { keyId, value: { name: "ci-2" } }, (v) => v.data.name === "ci-2");
    await step("Hubs.ApiKeys.getCollection", {}, (v) => v.data.some((k) => k.id === keyId));
    if (key) {
        await step("Hubs.getSingle", { token: key.data.secret }, (v) => v.data.id === hubId,
            "a new API key's secret authenticates in its hub");
    }
    await step("Hubs.ApiKeys.remove", { keyId });

    const invite = await step("Hubs.Invites.create", { value: { recipient: "grace@example.com", role_id: roleId } },
        (v) => v.data.invitation.recipient === "grace@example.com");
    await step("Hubs.Invites.getCollection", {}, (v) => v.data.some((i) => i.id === idOf(invite)));
    await step("Hubs.Invites.remove", { inviteId: idOf(invite) });
}

async function environments() {
    const body = { name: "staging", cluster: "production", about: { description: "d" }, features: { legacy_networking: false } };
    const made = await step("Environments.create", { value: body }, (v) => v.data.name === "staging");
    const envId = idOf(made);
    await step("Environments.getSingle", { id: envId }, (v) => v.data.id === envId && v.data.cluster === "production");
    await step("Environments.update", { id: envId, value: { name: "stage" } }, (v) => v.data.name === "stage");
    await step("Environments.getCollection", { query: { filter: { search: "stage" }, sort: ["-id"], page: { number: 1, size: 20 } } },
        (v) => v.data.some((e) => e.id === envId), "Environments.getCollection (filtered, sorted, paged) holds it");
    await step("Environments.getSummary", { id: envId }, (v) => v.data);
    await step("Environments.Services.getLoadBalancerInfo", { environmentId: envId }, (v) => v.data);
    await step("Environments.Services.getVPNInfo", { environmentId: envId }, (v) => v.data);
    await step("Environments.Services.getVPNUsers", { environmentId: envId }, (v) => Array.isArray(v.data));
    await finish(await step("Environments.start", { id: envId }, (v) => v.data.job), "the environment start job completes");
    const missing = await Cycle.Environments.getSingle({ ...base, id: MISSING_ID });
    check("a missing environment is {ok: false} with a 404.environment error",
        missing.ok === false && missing.error.status === 404 && missing.error.code === "404.environment", missing.error);
    const stranger = await Cycle.Hubs.getSingle({ ...base, token: "not-a-key" });
    check("an unknown API key is {ok: false} with a 401 error", stranger.ok === false && stranger.error.status === 401, stranger.error);
    return envId;
}

async function images() {
    const origin = { type: "docker-hub", details: { target: "nginx:latest" } };
    const source = await step("Images.Sources.create", { value: { name: "nginx", type: "direct", origin } },
        (v) => v.data.origin.details.target === "nginx:latest");
    const sourceId = idOf(source);
    await step("Images.Sources.getSingle", { sourceId }, (v) => v.data.name === "nginx");
    await step("Images.Sources.update", { sourceId, value: { name: "nginx-latest" } }, (v) => v.data.name === "nginx-latest");
    await step("Images.Sources.getCollection", {}, (v) => v.data.some((s) => s.id === sourceId));
    const image = await step("Images.create", { value: { source_id: sourceId } }, (v) => v.data.state.current === "new",
        "Images.create makes a new image (a shell until its import)");
    const imageId = idOf(image);
    await finish(await step("Images.importImage", { id: imageId }, (v) => v.data.job), "the image import job completes");
    await step("Images.getSingle", { id: imageId }, (v) => v.data.state.current === "live", "an imported image is live");
    await step("Images.getCollection", {}, (v) => v.data.some((i) => i.id === imageId));
    await step("Images.getBuildLog", { id: imageId }, (v) => v.data !== undefined);
    return imageId;
}

async function containers(envId, imageId) {
    const value = {
        name: "web", environment_id: envId, image_id: imageId, stateful: false,
        config: { network: { public: "enable", hostname: "web" }, deploy: { instances: 1 } },
    };
    const made = await step("Containers.create", { value }, (v) => v.data.environment.id === envId && v.data.image.id === imageId);
    const id = idOf(made);
    await step("Containers.getSingle", { id, query: { include: ["images"] } },
        (v) => v.data.image.service === null && v.includes.images[imageId], "Containers.getSingle: include=images resolves, no service");
    await step("Containers.getCollection", { query: { filter: { environment: envId } } },
        (v) => v.data.some((c) => c.id === id) && v.data.every((c) => c.environment.id === envId));
    await step("Containers.update", { id, value: { name: "frontend" } }, (v) => v.data.name === "frontend");
    await finish(await step("Containers.start", { id }, (v) => v.data.job), "the container start job completes");
    await step("Containers.getSingle", { id }, (v) => v.data.state.current === "running" && v.data.instances === 1,
        "a started container is running with its instance counted");
    await finish(await step("Containers.scale", { id, value: { instances: 2 } }, (v) => v.data.job), "the scale job completes");
    const running = await step("Images.getSingle", { id: imageId }, (v) => v.data.source.details.id);
    const sourceId = (running && running.data.source.details.id) || MISSING_ID;
    const next = await step("Images.create", { value: { source_id: sourceId } }, (v) => v.data.state.current === "new",
        "Images.create makes a second image");
    await finish(await step("Images.importImage", { id: idOf(next) }, (v) => v.data.job), "the second image's import completes");
    await finish(await step("Containers.reimage", { id, value: { image_id: idOf(next) } }, (v) => v.data.job), "the reimage job completes");
    await step("Containers.getSingle", { id }, (v) => v.data.image.id === idOf(next), "a reimaged container runs the new image");
    const instances = await step("Containers.Instances.getCollection", { containerId: id },
        (v) => v.data.length === 2, "Containers.Instances.getCollection holds the 2 scaled instances");
    const instanceId = (instances && instances.data[0] && instances.data[0].id) || MISSING_ID;
    await step("Containers.Instances.getSingle", { containerId: id, id: instanceId }, (v) => v.data.container_id === id);
    await step("Containers.Instances.Volumes.getCollection", { containerId: id, instanceId }, (v) => Array.isArray(v.data));
    await step("Containers.Instances.getSSHConnection", { containerId: id, instanceId }, (v) => v.data);
    await finish(await step("Containers.Instances.remove", { containerId: id, id: instanceId }, (v) => v.data.job),
        "the instance delete job completes");
    await step("Containers.getSingle", { id }, (v) => v.data.instances === 1, "a deleted instance is no longer counted");
    await step("Containers.getSummary", { id }, (v) => v.data);
    // The spec answers a ServerInstancesSummary object here (the client types an array).
    await step("Containers.Servers.getCollection", { containerId: id }, (v) => v.data);
    await step("Containers.Servers.usable", { containerId: id }, (v) => Array.isArray(v.data));
    await step("Containers.CompatibleImages.getCompatibleImages", { id }, (v) => Array.isArray(v.data));
    await finish(await step("Containers.stop", { id }, (v) => v.data.job), "the container stop job completes");
    await step("Containers.getSingle", { id }, (v) => v.data.state.current === "stopped", "a stopped container is stopped");
    await finish(await step("Containers.remove", { id }, (v) => v.data.job), "the container delete job completes");
    const gone = await Cycle.Containers.getSingle({ ...base, id });
    check("a deleted container is gone (404)", gone.ok === false && gone.error.status === 404, gone.error);
}

async function stacks() {
    const spec = {
        version: "1.0",
        containers: {
            web: {
                name: "Web {{tier}}", stateful: false,
                image: { origin: { type: "docker-hub", details: { target: "nginx:latest" } } },
                config: { network: { public: "enable", hostname: "web" }, deploy: { instances: 1 } },
            },
        },
    };
    const stack = await step("Stacks.create", { value: { name: "shop", variables: { tier: "front" }, source: { type: "raw", details: spec } } },
        (v) => v.data.name === "shop");
    const stackId = idOf(stack);
    await step("Stacks.getSingle", { id: stackId }, (v) => v.data.id === stackId);
    await step("Stacks.update", { id: stackId, value: { name: "store" } }, (v) => v.data.name === "store");
    await step("Stacks.getCollection", {}, (v) => v.data.some((s) => s.id === stackId));
    const build = await step("Stacks.Builds.create", { stackId, value: { instructions: {} } }, (v) => v.data.stack_id === stackId);
    const buildId = idOf(build);
    await finish(await step("Stacks.Builds.generate", { stackId, id: buildId }, (v) => v.data.job), "the build generate job completes");
    await step("Stacks.Builds.getSingle", { stackId, id: buildId }, (v) => v.data.spec.containers.web,
        "a generated build holds the stack's containers");
    await step("Stacks.Builds.getCollection", { stackId }, (v) => v.data.some((b) => b.id === buildId));
    const env = await Cycle.Environments.create({ ...base, value: { name: "shop", cluster: "production", about: { description: "" }, features: { legacy_networking: false } } });
    const envId = env.ok ? env.value.data.id : MISSING_ID;
    await finish(await step("Stacks.Builds.deployBuild", { stackId, id: buildId, value: { environment_id: envId } }, (v) => v.data.job),
        "the build deploy job completes");
    await step("Containers.getCollection", { query: { filter: { environment: envId }, include: ["images"] } },
        (v) => v.data.some((c) => c.name === "Web front" && v.includes.images[c.image.id].state.current === "live"),
        "a deployed build's container runs on the image it built (include=images)");
}

async function dns() {
    const zone = await step("DNS.Zones.create", { value: { origin: "example.com", hosted: true } }, (v) => v.data.origin === "example.com");
    const zoneId = idOf(zone);
    await step("DNS.Zones.getSingle", { id: zoneId }, (v) => v.data.id === zoneId);
    await step("DNS.Zones.update", { id: zoneId, value: { hosted: false } }, (v) => v.data.hosted === false);
    await step("DNS.Zones.getCollection", {}, (v) => v.data.some((z) => z.id === zoneId));
    const record = await step("DNS.Zones.Records.create", { zoneId, value: { name: "www", type: { a: { ip: "192.0.2.1" } } } },
        (v) => v.data.type.a.ip === "192.0.2.1");
    const recordId = idOf(record);
    await step("DNS.Zones.Records.update", { zoneId, recordId, value: { type: { a: { ip: "192.0.2.2" } } } }, (v) => v.data.type.a.ip === "192.0.2.2");
    await step("DNS.Zones.Records.getCollection", { zoneId }, (v) => v.data.some((r) => r.id === recordId && r.type.a.ip === "192.0.2.2"),
        "DNS.Zones.Records.getCollection holds the updated record");
    await step("DNS.Zones.Records.remove", { zoneId, recordId });
    await step("DNS.Zones.remove", { zoneId });
    await step("DNS.TLS.getAttempts", {}, (v) => Array.isArray(v.data));
}

async function networks(envId) {
    const value = { name: "backplane", identifier: "backplane", cluster: "production", environments: [envId] };
    const made = await step("SDN.Networks.create", { value }, (v) => v.data.environments.some((e) => e.id === envId),
        "SDN.Networks.create keeps its environments");
    const id = idOf(made);
    await step("SDN.Networks.getSingle", { id }, (v) => v.data.identifier === "backplane");
    await step("SDN.Networks.update", { id, value: { name: "core" } }, (v) => v.data.name === "core");
    await step("SDN.Networks.getCollection", {}, (v) => v.data.some((n) => n.id === id));
    await step("SDN.Networks.remove", { id });
}

async function pipelines() {
    const made = await step("Pipelines.create", { value: { name: "release", dynamic: false, stages: [] } }, (v) => v.data.name === "release");
    const pipelineId = idOf(made);
    await step("Pipelines.getSingle", { id: pipelineId }, (v) => v.data.id === pipelineId);
    await step("Pipelines.update", { id: pipelineId, value: { name: "ship" } }, (v) => v.data.name === "ship");
    await step("Pipelines.getCollection", {}, (v) => v.data.some((p) => p.id === pipelineId));
    const key = await step("Pipelines.TriggerKeys.create", { pipelineId, value: { name: "ci" } }, (v) => v.data.secret);
    await step("Pipelines.TriggerKeys.getCollection", { pipelineId }, (v) => v.data.some((k) => k.id === idOf(key)));
    await finish(await step("Pipelines.triggerWithSecret", { id: pipelineId, value: { secret: key ? key.data.secret : "", variables: {} } },
        (v) => v.data.job), "the pipeline trigger job completes");
    await step("Pipelines.Runs.getCollection", { pipelineId }, (v) => v.data.length === 1, "a triggered pipeline has one run");
    await step("Pipelines.remove", { id: pipelineId });
}

async function platform() {
    await step("Infrastructure.Summary.getSummary", {}, (v) => v.data);
    await step("Infrastructure.Servers.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Infrastructure.Servers.getTags", {}, (v) => Array.isArray(v.data));
    await step("Infrastructure.IPs.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Infrastructure.Strategies.getSingle", {}, (v) => v.data);
    await step("Billing.Services.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Billing.Invoices.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Billing.Methods.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Billing.Orders.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Billing.Credits.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Billing.Plans.Tiers.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Billing.Plans.Support.getCollection", {}, (v) => Array.isArray(v.data));
    await step("Announcements.getCollection", {}, (v) => Array.isArray(v.data));
    await step("ChangeLog.getCollection", {}, (v) => Array.isArray(v.data));
    const jobs = await step("Jobs.getCollection", {}, (v) => v.data.length > 0);
    const first = jobs && jobs.data[0];
    await step("Jobs.getSingle", { id: first ? first.id : MISSING_ID }, (v) => v.data.id === first.id, "Jobs.getSingle reads a listed job back");
}

async function main() {
    const accountId = await account();
    await hubs(accountId);
    const envId = await environments();
    const imageId = await images();
    await containers(envId, imageId);
    await stacks();
    await dns();
    await networks(envId);
    await pipelines();
    await platform();
    await finish(await step("Environments.remove", { id: envId }, (v) => v.data.job), "the environment delete job completes");
    const passed = checks.filter(([, ok]) => ok).length;
    for (const [name, ok, why] of checks) if (!ok) console.log(`FAIL ${name} - ${why}`);
    console.log(`checks: ${passed}/${checks.length} passed (${functions.size} of the client's functions called)`);
    process.exit(passed === checks.length ? 0 : 1);
}

main().catch((error) => {
    console.error(error);
    process.exit(2);
});
