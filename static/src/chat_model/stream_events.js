// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * How each event of an answer's stream (docs/wire-contract.md) changes the answer shown: one
 * handler per event name. An event without a handler (from a newer server) is ignored.
 */

/** @type {Object<string, (answer: import("./chat_state").ChatMessage, data: Object) => void>} */
const HANDLERS = {
    start(answer, data) {
        answer.id = data.message_id;
        answer.llmModel = data.model || answer.llmModel;
    },
    sync(answer, data) {
        // A viewer arriving late (resume): everything so far replaces what it had.
        answer.id = data.message_id;
        answer.content = data.content || "";
        answer.reasoning = data.reasoning || "";
        answer.tools = [...(data.tools || [])];
        answer.blocks = syncedBlocks(data);
        if (data.state && data.state !== "streaming") {
            answer.state = data.state;
        }
    },
    delta(answer, data) {
        answer.content += data.content || "";
    },
    reasoning(answer, data) {
        answer.reasoning += data.content || "";
    },
    render(answer, data) {
        // Blocks before `from_block` did not change: their components are left alone.
        const blocks = answer.blocks;
        blocks.length = Math.min(data.from_block, blocks.length);
        blocks.push(...data.blocks);
    },
    tool(answer, data) {
        // A step is sent when it starts and again when it ends: the later one replaces it.
        const index = answer.tools.findIndex((step) => step.id === data.id);
        if (index === -1) {
            answer.tools.push(data);
        } else {
            answer.tools[index] = data;
        }
    },
    usage(answer, data) {
        answer.promptTokens = data.prompt_tokens || 0;
        answer.completionTokens = data.completion_tokens || 0;
    },
    error(answer, data) {
        answer.errorMessage = data.message || "";
    },
    done(answer, data) {
        answer.id = data.message_id || answer.id;
        answer.state = data.state;
        // The final render is authoritative; it normally equals the blocks already shown.
        if (typeof data.html === "string" && data.html !== answer.blocks.join("")) {
            answer.blocks = data.html ? [data.html] : [];
        }
    },
};

function syncedBlocks(data) {
    if (data.blocks) {
        return [...data.blocks];
    }
    return data.html ? [data.html] : [];
}

/**
 * @param {import("./chat_state").ChatMessage} answer
 * @param {string} name event name
 * @param {Object} data parsed event data
 */
export function applyStreamEvent(answer, name, data) {
    if (Object.hasOwn(HANDLERS, name)) {
        HANDLERS[name](answer, data);
    }
}
