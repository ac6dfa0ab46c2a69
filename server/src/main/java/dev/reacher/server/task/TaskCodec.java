package dev.reacher.server.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The task message JSON: upstream's {@code CheckEmailTask} with two additions.
 *
 * <pre>{@code
 * {"input":   <CheckEmailInput: to_email, verif_method{proxies, gmail, …}, check_gravatar, …>,
 *  "job_id":  "single_shot" | {"bulk": 42},
 *  "webhook": null | {"on_each_email": Webhook|null, "on_job_finished": Webhook|null},
 *  "item":    17,                                   // bulk only: position in the job's input
 *  "avoid_proxies": ["proxy2"]}                     // only on a retry of an `unknown` result
 * }</pre>
 *
 * Upstream's workers ignore {@code item}, {@code avoid_proxies} and {@code on_job_finished};
 * upstream's messages (no {@code item}) are accepted here. Unlike upstream, every proxy's {@code password} is {@code null}
 * in a message: workers take passwords from their own configuration ({@link ProxyCredentials}).
 */
public final class TaskCodec {
    private static final ObjectMapper JSON = ReacherJson.mapper();
    private static final String EMAIL_MARK = "@@reacher-to-email@@";

    private TaskCodec() {}

    public static byte[] encode(TaskMessage task) {
        return ReacherJson.write(tree(task)).getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode tree(TaskMessage task) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("input", JSON.valueToTree(withoutPasswords(task.input())));
        root.set("job_id", jobRef(task.job()));
        root.set("webhook", task.webhook() == null ? null : JSON.valueToTree(task.webhook()));
        if (task.item() != null) {
            root.put("item", task.item());
        }
        if (!task.avoidProxies().isEmpty()) {
            var avoid = root.putArray("avoid_proxies");
            new java.util.TreeSet<>(task.avoidProxies()).forEach(avoid::add);
        }
        return root;
    }

    private static final InputCache INPUTS = new InputCache(64);

    /**
     * Every task of a job carries the same input but for {@code to_email}, and turning that JSON
     * into a {@link CheckEmailInput} (verification method, proxies, validation) cost workers about
     * a sixth of their CPU. Inputs are cached by their JSON without the address.
     */
    private static final class InputCache {
        private final java.util.Map<JsonNode, CheckEmailInput> cache;

        InputCache(int size) {
            this.cache = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(size, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<JsonNode, CheckEmailInput> eldest) {
                    return size() > size;
                }
            });
        }

        CheckEmailInput decode(ObjectNode input) throws JsonProcessingException {
            String email = input.get("to_email").asText();
            ObjectNode key = input.deepCopy();
            key.remove("to_email");
            CheckEmailInput template = cache.get(key);
            if (template == null) {
                template = JSON.treeToValue(input, CheckEmailInput.class).withToEmail("");
                cache.put(key, template);
            }
            return template.withToEmail(email);
        }
    }

    private static JsonNode jobRef(JobRef job) {
        return switch (job) {
            case JobRef.Bulk b -> JsonNodeFactory.instance.objectNode().put("bulk", b.id());
            case JobRef.SingleShot s -> JsonNodeFactory.instance.textNode("single_shot");
        };
    }

    /**
     * Parses a message.
     *
     * @throws MalformedTaskException with the job and item when those could be read, so that a
     *     bulk item with a bad input can still be closed with an error row
     */
    public static TaskMessage decode(byte[] body) throws MalformedTaskException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedTaskException("not JSON: " + e.getMessage(), null, null, e);
        }
        if (root == null || !root.isObject()) {
            throw new MalformedTaskException("not a JSON object", null, null, null);
        }
        JobRef job = parseJob(root.get("job_id"));
        Long jobId = job instanceof JobRef.Bulk b ? b.id() : null;
        JsonNode itemNode = root.get("item");
        Integer item = null;
        if (itemNode != null && !itemNode.isNull()) {
            if (!itemNode.canConvertToInt() || !itemNode.isIntegralNumber() || itemNode.asInt() < 0) {
                throw new MalformedTaskException("`item` must be a non-negative integer", null, null, null);
            }
            item = itemNode.asInt();
        }
        JsonNode inputNode = root.get("input");
        if (inputNode == null || !inputNode.isObject() || !inputNode.path("to_email").isTextual()) {
            throw new MalformedTaskException("missing field `input.to_email`", jobId, item, null);
        }
        CheckEmailInput input;
        TaskWebhook webhook;
        try {
            input = INPUTS.decode((ObjectNode) inputNode);
            JsonNode w = root.get("webhook");
            webhook = w == null || w.isNull() ? null : JSON.treeToValue(w, TaskWebhook.class);
        } catch (JsonProcessingException | RuntimeException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new MalformedTaskException("invalid task: " + msg, jobId, item, e);
        }
        if (job == null) {
            throw new MalformedTaskException("missing or invalid field `job_id`", null, null, null);
        }
        java.util.Set<String> avoid = new java.util.TreeSet<>();
        JsonNode avoidNode = root.get("avoid_proxies");
        if (avoidNode != null && avoidNode.isArray()) {
            avoidNode.forEach(n -> {
                if (n.isTextual()) {
                    avoid.add(n.textValue());
                }
            });
        }
        return new TaskMessage(input, job, webhook, item, avoid);
    }

    private static JobRef parseJob(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isTextual() && node.asText().equals("single_shot")) {
            return JobRef.singleShot();
        }
        JsonNode bulk = node.get("bulk");
        if (node.isObject() && bulk != null && bulk.isIntegralNumber() && bulk.canConvertToLong()) {
            return JobRef.bulk(bulk.asLong());
        }
        return null;
    }

    /** The input with every proxy password removed (usernames stay: they pick the worker's credentials). */
    public static CheckEmailInput withoutPasswords(CheckEmailInput input) {
        VerifMethod method = input.verifMethod();
        boolean any = method.proxies().values().stream().anyMatch(p -> p.password() != null);
        if (!any) {
            return input;
        }
        Map<String, ProxyConfig> proxies = new LinkedHashMap<>();
        method.proxies().forEach((id, p) -> proxies.put(id,
                new ProxyConfig(p.host(), p.port(), p.username(), null, p.timeoutMs())));
        return input.withVerifMethod(VerifMethod.of(proxies, methods(method)));
    }

    static Map<Provider, ProviderMethod> methods(VerifMethod method) {
        Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
        for (Provider p : Provider.values()) {
            methods.put(p, method.method(p));
        }
        return methods;
    }

    /**
     * What is stored as a result row's {@code payload}: the whole message for single-shot tasks,
     * only the address and its place for bulk items (the rest is in the job's row).
     */
    public static String payload(TaskMessage task) {
        if (task.job() instanceof JobRef.Bulk b) {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.putObject("input").put("to_email", task.input().toEmail());
            root.putObject("job_id").put("bulk", b.id());
            if (task.item() != null) {
                root.put("item", task.item());
            }
            return ReacherJson.write(root);
        }
        if (task.job() instanceof JobRef.SingleShot && task.webhook() == null && task.item() == null
                && task.avoidProxies().isEmpty()) {
            return SINGLE_SHOT_PAYLOADS.render(task.input());
        }
        ObjectNode root = tree(task);
        root.remove("webhook"); // webhook headers may hold credentials
        return ReacherJson.write(root);
    }

    private static final SingleShotPayloads SINGLE_SHOT_PAYLOADS = new SingleShotPayloads(64);

    /**
     * {@code /v1/check_email} stores every request's task, and requests share a handful of inputs
     * (the configured method, or a request proxy) that differ only in the address: the JSON around
     * the address is written once per input and the address spliced in.
     */
    private static final class SingleShotPayloads {
        private final Map<CheckEmailInput, String[]> cache;

        SingleShotPayloads(int size) {
            this.cache = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(size, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<CheckEmailInput, String[]> eldest) {
                    return size() > size;
                }
            });
        }

        String render(CheckEmailInput input) {
            String[] parts = cache.computeIfAbsent(input.withToEmail(""), shared -> {
                ObjectNode root = tree(new TaskMessage(shared.withToEmail(EMAIL_MARK), JobRef.singleShot(), null, null));
                root.remove("webhook");
                return aroundEmail(ReacherJson.write(root));
            });
            return parts[0] + ReacherJson.write(input.toEmail()) + parts[1];
        }
    }

    /** The JSON before and after the quoted {@link #EMAIL_MARK}, where each message's address goes. */
    private static String[] aroundEmail(String json) {
        String mark = '"' + EMAIL_MARK + '"';
        int at = json.indexOf(mark);
        return new String[] {json.substring(0, at), json.substring(at + mark.length())};
    }

    /** The job-level part stored with the job: the input every item shares, without address or passwords. */
    public static String inputTemplate(CheckEmailInput template) {
        return ReacherJson.write(withoutPasswords(template.withToEmail("")));
    }

    /**
     * Renders the messages of one job fast: the shared JSON is written once, and each message only
     * splices in its address and item.
     */
    public static final class JobTemplate {
        private final String head;
        private final String middle;

        /** @param inputTemplateJson what {@link #inputTemplate} stored */
        public JobTemplate(long jobId, String inputTemplateJson, TaskWebhook webhook) {
            ObjectNode input;
            try {
                input = (ObjectNode) JSON.readTree(inputTemplateJson);
            } catch (IOException e) {
                throw new IllegalStateException("stored task template of job " + jobId + " is not JSON", e);
            }
            input.put("to_email", EMAIL_MARK);
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.set("input", input);
            root.set("job_id", jobRef(JobRef.bulk(jobId)));
            root.set("webhook", webhook == null ? null : JSON.valueToTree(webhook));
            String[] parts = aroundEmail(ReacherJson.write(root));
            this.head = parts[0];
            this.middle = parts[1].substring(0, parts[1].length() - 1) + ",\"item\":"; // drop the closing brace
        }

        public byte[] render(int item, String email) {
            return render0(item, email).getBytes(StandardCharsets.UTF_8);
        }

        private String render0(int item, String email) {
            return head + ReacherJson.write(email) + middle + item + "}";
        }
    }
}
