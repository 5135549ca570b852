// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * How each event of an answer's stream (docs/wire-contract.md) changes the answer shown.
 */

/**
 * @param {import("./chat_state").ChatMessage} answer
 * @param {string} name event name
 * @param {Object} data parsed event data
 */
export function applyStreamEvent(answer, name, data) {
    switch (name) {
        case "start":
            answer.id = data.message_id;
            answer.llmModel = data.model || answer.llmModel;
            break;
        case "sync":
            // A viewer arriving late (resume): everything so far replaces what it had.
            answer.id = data.message_id;
            answer.content = data.content || "";
            answer.reasoning = data.reasoning || "";
            answer.blocks = data.blocks ? [...data.blocks] : data.html ? [data.html] : [];
            if (data.state && data.state !== "streaming") {
                answer.state = data.state;
            }
            break;
        case "delta":
            answer.content += data.content || "";
            break;
        case "reasoning":
            answer.reasoning += data.content || "";
            break;
        case "render": {
            // Blocks before `from_block` did not change: their components are left alone.
            const blocks = answer.blocks;
            blocks.length = Math.min(data.from_block, blocks.length);
            blocks.push(...data.blocks);
            break;
        }
        case "usage":
            answer.promptTokens = data.prompt_tokens || 0;
            answer.completionTokens = data.completion_tokens || 0;
            break;
        case "error":
            answer.errorMessage = data.message || "";
            break;
        case "done":
            answer.id = data.message_id || answer.id;
            answer.state = data.state;
            // The final render is authoritative; it normally equals the blocks already shown.
            if (typeof data.html === "string" && data.html !== answer.blocks.join("")) {
                answer.blocks = data.html ? [data.html] : [];
            }
            break;
    }
}
